/* global document, window */
// DOM helpers for the inspector. Everything the mock sends is data (a path, a header, a body a CRM
// posted): it goes into the page as text nodes and attribute values only, never as HTML.

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * `h('a', { href: '#x', class: 'row' }, 'text', child)`: an element with its attributes and children.
 * `on<event>` attributes become listeners; strings and numbers become text nodes; false, null and
 * undefined are left out (so `cond && h(...)` works); arrays are flattened.
 */
export function h(tag, attributes = {}, ...children) {
  return fill(document.createElement(tag), attributes, children);
}

/** The same for SVG elements. */
export function svg(tag, attributes = {}, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attributes, children);
}

function fill(element, attributes, children) {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(typeof child === 'object' ? child : String(child));
  }
  return element;
}

/** Replaces an element's children. */
export function show(element, ...children) {
  element.replaceChildren();
  return fill(element, {}, children);
}

/** A link target only when it is http(s): a value from the mock never becomes a `javascript:` link. */
export function safeHref(url) {
  try {
    const parsed = new URL(url, document.baseURI);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/** Says `text` to screen readers (and keeps it in the page's status line). */
export function announce(text) {
  const region = document.getElementById('announce');
  if (region) region.textContent = text;
}

/** A value in code type with a button that copies it. */
export function copyable(value, what) {
  return h('span', { class: 'copyable' }, h('code', {}, value), copyButton(value, what));
}

/** A real button (so Tab and Enter reach it) that copies `value` to the clipboard. */
export function copyButton(value, what) {
  return h(
    'button',
    {
      type: 'button',
      class: 'copy',
      'aria-label': `Copy ${what}`,
      title: `Copy ${what}`,
      onclick: (event) => copy(value, what, event.currentTarget),
    },
    'Copy',
  );
}

async function copy(value, what, button) {
  let copied;
  try {
    // Only in a secure context (localhost counts); a mock opened by another host name has none.
    await navigator.clipboard.writeText(value);
    copied = true;
  } catch {
    copied = copyBySelection(value);
  }
  button.textContent = copied ? 'Copied' : 'Select and copy';
  announce(copied ? `Copied ${what}` : `Could not copy ${what}`);
  window.setTimeout(() => (button.textContent = 'Copy'), 1500);
}

/** The old way, for pages without the Clipboard API: select the text in a scratch field and copy it. */
function copyBySelection(value) {
  const scratch = h('textarea', { class: 'offscreen', readonly: true, 'aria-hidden': 'true' }, value);
  document.body.append(scratch);
  scratch.select();
  let copied;
  try {
    copied = document.execCommand('copy');
  } catch {
    copied = false;
  }
  scratch.remove();
  return copied;
}
