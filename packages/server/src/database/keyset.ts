/**
 * The condition "after this position" of a keyset page ordered by two columns, as a row-value
 * comparison: `(created, id) > (:at, :id)`. Both databases seek an index on the two columns
 * (after any equality columns in front of them) straight to the position, so a deep page costs
 * what the first one does. The equivalent `created > :at OR (created = :at AND id > :id)`
 * does not: SQLite walks the index from its start to the position.
 *
 * @param columns - the order's two columns, e.g. `['entitlement.date_created', 'entitlement.id']`
 * @param direction - `ASC` pages forwards (greater keys), `DESC` backwards
 * @param parameters - the names of the position's two parameters, bound by the caller
 */
export function keysetAfter(
  columns: readonly [string, string],
  direction: 'ASC' | 'DESC',
  parameters: readonly [string, string],
): string {
  const operator = direction === 'ASC' ? '>' : '<';
  return `(${columns[0]}, ${columns[1]}) ${operator} (:${parameters[0]}, :${parameters[1]})`;
}
