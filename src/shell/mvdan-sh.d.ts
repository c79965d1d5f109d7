declare module 'mvdan-sh' {
  /** A node of the syntax tree built by mvdan/sh (compiled to JavaScript). Fields follow the Go structs. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  export type ShNode = any;
  interface Parser {
    Parse(src: string, name: string): ShNode;
  }
  interface Syntax {
    NewParser(...options: unknown[]): Parser;
    NodeType(node: ShNode): string;
    Walk(node: ShNode, visit: (node: ShNode) => boolean): void;
    KeepComments(keep: boolean): unknown;
    Variant(lang: unknown): unknown;
    LangBash: unknown;
  }
  const sh: { syntax: Syntax };
  export default sh;
}
