/** Customers kept as a mask over their ids: a lookup as cheap as reading one byte. */
export class IdMask {
  constructor(readonly kept: Uint8Array) {}
  has(id: number): boolean {
    return this.kept[id] === 1;
  }
}
