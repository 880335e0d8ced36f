import { safeJsonParse } from '@hopbus/core';
import type { ActorKeyDescription } from '@hopbus/log';
import type { Command } from 'commander';
import type { CliContext } from '../CliContext.js';
import { formatTable } from '../format/formatTable.js';
import { formatTime } from '../format/formatTime.js';
import { withInspector } from '../log/withInspector.js';
import { jsonOf } from './jsonOf.js';

/** What the CLI shows of a key: its `@State()` fields (null once deleted), read from the stored state. */
interface ShownKey {
  readonly actor: string;
  readonly key: string;
  readonly state: unknown;
  readonly turns: number;
  readonly lastTurn: ActorKeyDescription['lastTurn'];
}

/** `hopbus log actors <dir> [actor] [--key k] [--json]`: the keys of keyed actors, their committed state and last turn. */
export function addLogActorsCommand(log: Command, context: CliContext): void {
  log
    .command('actors')
    .description("List keyed actors' keys with their committed state, turns and last turn (read-only: works while a bus runs there).")
    .argument('<dir>', 'the log data dir')
    .argument('[actor]', 'only the keys of this actor')
    .option('--key <key>', 'only this key')
    .option('--json', 'print JSON (actor, key, state, turns, lastTurn of each key)')
    .action(async (dir: string, actor: string | undefined, options: { key?: string; json?: boolean }) => {
      const keys = await withInspector(dir, (inspector) => inspector.listActors({ ...(actor === undefined ? {} : { actor }), ...(options.key === undefined ? {} : { key: options.key }) }));
      const shown: ShownKey[] = keys.map((k) => ({ actor: k.actor, key: k.key, state: fieldsOf(k.state), turns: k.turns, lastTurn: k.lastTurn }));
      const out = context.io.stdout;
      if (options.json) {
        out.write(jsonOf(shown));
        return;
      }
      if (shown.length === 0) {
        const what = actor === undefined ? 'keyed actor' : `key of actor ${actor}`;
        out.write(`No ${what}${options.key === undefined ? '' : ` with key ${options.key}`} has committed a turn in ${dir}.\n`);
        return;
      }
      const rows = shown.map((k) => [k.actor, k.key, String(k.turns), k.state === null ? '(deleted)' : JSON.stringify(k.state), k.lastTurn.outputs.join(', ') || '-', formatTime(k.lastTurn.timestamp)]);
      out.write(formatTable([['ACTOR', 'KEY', 'TURNS', 'STATE', 'LAST TURN PUBLISHED', 'AT'], ...rows]));
    });
}

/** The `fields` of a stored state; the raw text when it is not what hopbus stores. */
function fieldsOf(state: Uint8Array): unknown {
  const text = Buffer.from(state).toString('utf8');
  try {
    const stored = safeJsonParse(text) as { fields?: unknown } | null;
    return stored !== null && typeof stored === 'object' && 'fields' in stored ? stored.fields : text;
  } catch {
    return text;
  }
}
