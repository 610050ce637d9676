/**
 * A table name the SQL stores accept: letters, digits and underscores, optionally
 * `schema.`-qualified. Table names are written into SQL, so only these pass.
 *
 * Dependency-free on purpose: the SQLite store imports it too, and the /sqlite and /d1 bundles
 * must not pull a Node-only module (a Worker cannot load `node:crypto`).
 */
export const TABLE_NAME = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/i;
