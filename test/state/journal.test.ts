import { describe, expect, it } from 'vitest';
import { EXCHANGES_KEPT, Journal, type JournalEntry, type JournalRecord } from '../../src/state/journal.ts';

/** Entry number `n`, told apart by its path; `provider: null` for an entry without one (a control or page request). */
function entry(n: number, session = 'default', provider: string | null = 'keeta'): JournalRecord {
  return {
    time: new Date(Date.UTC(2030, 0, 1, 0, 0, n)).toISOString(),
    session,
    ...(provider === null ? {} : { provider }),
    method: 'GET',
    path: `/r/${n}`,
    status: 200,
    durationMs: n,
  };
}

const paths = (entries: JournalEntry[]) => entries.map((item) => item.path);

describe('Journal.recent order and bounds', () => {
  it('is empty before anything is recorded', () => {
    expect(new Journal().recent()).toEqual([]);
  });

  it('lists newest first, as recorded', () => {
    const journal = new Journal();
    [1, 2, 3].forEach((n) => journal.record(entry(n)));
    expect(paths(journal.recent())).toEqual(['/r/3', '/r/2', '/r/1']);
    expect(journal.recent()[0]).toEqual({ ...entry(3), id: '3' });
  });

  it.each<[number, number, string[]]>([
    [3, 2, ['/r/2', '/r/1']],
    [3, 3, ['/r/3', '/r/2', '/r/1']],
    [3, 5, ['/r/5', '/r/4', '/r/3']],
    [1, 4, ['/r/4']],
  ])('keeps at most %i entries: after %i recorded, %j', (capacity, count, want) => {
    const journal = new Journal(capacity);
    for (let n = 1; n <= count; n++) journal.record(entry(n));
    expect(paths(journal.recent())).toEqual(want);
  });

  it('holds 500 entries by default', () => {
    const journal = new Journal();
    for (let n = 1; n <= 501; n++) journal.record(entry(n));
    const all = journal.recent({ limit: 1000 });
    expect(all).toHaveLength(500);
    expect(all[0]?.path).toBe('/r/501');
    expect(all.at(-1)?.path).toBe('/r/2');
  });

  it('answers 100 entries when no limit is given', () => {
    const journal = new Journal();
    for (let n = 1; n <= 150; n++) journal.record(entry(n));
    const recent = journal.recent();
    expect(recent).toHaveLength(100);
    expect(recent[0]?.path).toBe('/r/150');
    expect(recent.at(-1)?.path).toBe('/r/51');
  });

  it('answers a new list each time: changing it changes nothing recorded', () => {
    const journal = new Journal();
    [1, 2].forEach((n) => journal.record(entry(n)));
    const first = journal.recent();
    first.pop();
    first.reverse();
    expect(paths(journal.recent())).toEqual(['/r/2', '/r/1']);
  });
});

describe('Journal.recent filters', () => {
  const journal = new Journal();
  journal.record(entry(1, 'default', 'keeta'));
  journal.record(entry(2, 's1', 'keeta'));
  journal.record(entry(3, 's1', 'b2copy'));
  journal.record(entry(4, 's2', null));
  journal.record(entry(5, 's1', 'keeta'));
  journal.record(entry(6, 'default', 'b2copy'));

  it.each<[string, Parameters<Journal['recent']>[0], string[]]>([
    ['nothing', {}, ['/r/6', '/r/5', '/r/4', '/r/3', '/r/2', '/r/1']],
    ['a session', { session: 's1' }, ['/r/5', '/r/3', '/r/2']],
    ['the default session', { session: 'default' }, ['/r/6', '/r/1']],
    ['a provider (entries without one never match)', { provider: 'keeta' }, ['/r/5', '/r/2', '/r/1']],
    ['a session and a provider', { session: 's1', provider: 'keeta' }, ['/r/5', '/r/2']],
    ['an unknown session', { session: 'nobody' }, []],
    ['an unknown provider', { provider: 'nobody' }, []],
    ['a limit', { limit: 2 }, ['/r/6', '/r/5']],
    ['a limit applied after the filter (the newest matches)', { session: 's1', limit: 2 }, ['/r/5', '/r/3']],
    ['a limit larger than the matches', { provider: 'b2copy', limit: 50 }, ['/r/6', '/r/3']],
    ['empty strings, as no filter', { session: '', provider: '' }, ['/r/6', '/r/5', '/r/4', '/r/3', '/r/2', '/r/1']],
  ])('by %s', (_title, filter, want) => {
    expect(paths(journal.recent(filter))).toEqual(want);
  });
});

describe('ids, lookups and listeners', () => {
  it('gives each entry an increasing id, finds it while it is in the ring, and forgets it after', () => {
    const journal = new Journal(2);
    journal.record({ ...entry(1), exchange: { request: { method: 'GET', url: '/r/1', headers: {} } } });
    journal.record(entry(2));
    expect(journal.recent().map((item) => item.id)).toEqual(['2', '1']);
    expect(journal.get('1')).toMatchObject({
      entry: { id: '1', path: '/r/1' },
      exchange: { request: { url: '/r/1' } },
    });
    journal.record(entry(3));
    expect(journal.get('1')).toBeUndefined();
    expect(journal.get('3')?.entry.path).toBe('/r/3');
  });

  it('tells each listener of each entry recorded while it listens, without the exchange', () => {
    const journal = new Journal(5);
    const seen: JournalEntry[] = [];
    const stop = journal.subscribe((item) => seen.push(item));
    journal.record({ ...entry(1), exchange: { request: { method: 'GET', url: '/r/1', headers: {} } } });
    stop();
    journal.record(entry(2));
    expect(seen.map((item) => [item.id, item.path])).toEqual([['1', '/r/1']]);
    expect(seen[0]).not.toHaveProperty('exchange');
  });
});

describe('exchanges kept', () => {
  it('keeps the whole exchange of the newest EXCHANGES_KEPT entries only, the entries themselves for longer', () => {
    const journal = new Journal(EXCHANGES_KEPT + 10);
    for (let n = 1; n <= EXCHANGES_KEPT + 5; n += 1) {
      journal.record({ ...entry(n), exchange: { request: { method: 'GET', url: `/r/${n}`, headers: {} } } });
    }
    expect(journal.get('5')).toEqual({ entry: expect.objectContaining({ id: '5' }) });
    expect(journal.get('6')?.exchange?.request.url).toBe('/r/6');
    expect(journal.get(String(EXCHANGES_KEPT + 5))?.exchange).toBeDefined();
  });
});
