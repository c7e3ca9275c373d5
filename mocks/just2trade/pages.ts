/** Just2Trade's HTML: the error page the authorization endpoint shows instead of redirecting. */
const escape = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

export function renderErrorPage(code: string, description: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Just2Trade sign-in error</title></head>
<body>
  <main>
    <h1>Sign-in request refused</h1>
    <p>The application sent a request Just2Trade cannot accept, so you were not sent back to it.</p>
    <p><strong>${escape(code)}</strong>: ${escape(description)}</p>
  </main>
</body>
</html>
`;
}
