import { escapePointer } from './json-pointer';

/**
 * The NUL character (U+0000). PostgreSQL's text types cannot hold it (the query fails) while
 * SQLite stores it silently, so inputs holding one are refused before they reach a database:
 * the same answer on every database, and nothing written.
 */
const NUL = '\u0000';

/** Whether `text` holds a NUL character. */
export function hasNulCharacter(text: string): boolean {
  return text.includes(NUL);
}

/** A string in a JSON value that holds a NUL: a value, or the name of a property. */
export interface NulPlace {
  /** JSON pointer (RFC 6901) of the value, or of the property whose name holds the NUL. */
  pointer: string;
  inName: boolean;
}

/** Every string value and property name in the JSON value `value` that holds a NUL. */
export function findNulCharacters(value: unknown): NulPlace[] {
  const found: NulPlace[] = [];
  // A queue, not recursion: a body may nest deeper than the stack.
  const queue: [unknown, string][] = [[value, '']];
  for (let index = 0; index < queue.length; index += 1) {
    const [item, pointer] = queue[index]!;
    if (typeof item === 'string' && hasNulCharacter(item)) {
      found.push({ pointer, inName: false });
    } else if (typeof item === 'object' && item !== null) {
      for (const [name, child] of Object.entries(item)) {
        const childPointer = `${pointer}/${escapePointer(name)}`;
        if (hasNulCharacter(name)) {
          found.push({ pointer: childPointer, inName: true });
        }
        queue.push([child, childPointer]);
      }
    }
  }
  return found;
}
