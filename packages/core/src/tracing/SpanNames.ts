/** The most topics whose span names are kept; past it the names start over (a wildcard subscription may see many). */
const maxKept = 256;

/**
 * Span names `<operation> <topic>`, made once per topic: every span of a topic shares one
 * string instead of carrying a new one until it is exported.
 */
export class SpanNames {
  private readonly names = new Map<string, string>();

  constructor(private readonly operation: string) {}

  of(topic: string): string {
    let name = this.names.get(topic);
    if (name === undefined) {
      if (this.names.size >= maxKept) this.names.clear();
      name = `${this.operation} ${topic}`;
      this.names.set(topic, name);
    }
    return name;
  }
}
