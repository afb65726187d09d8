/** The value of one sample line `name{labels} value` of a Prometheus text exposition (labels in their exposed order), or null. */
export function prometheusSample(text: string, name: string, labels = ''): number | null {
  const prefix = labels === '' ? `${name} ` : `${name}{${labels}} `;
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? null : Number(line.slice(prefix.length));
}
