/**
 * Typed arrays on shared memory, for what held passes read (pass-lanes.ts): a worker thread sent one reads the
 * same memory instead of a copy of hundreds of megabytes.
 */
type TypedArrayOf<T> = {
  new (buffer: SharedArrayBuffer): T;
  readonly BYTES_PER_ELEMENT: number;
};

/** A typed array of `length` zeros on shared memory. */
export function sharedArray<T>(Type: TypedArrayOf<T>, length: number): T {
  return new Type(new SharedArrayBuffer(length * Type.BYTES_PER_ELEMENT));
}

/** A typed array on shared memory holding `values`, each through `map` when given (as TypedArray.from). */
export function sharedFrom<T extends { [index: number]: number }, V = number>(
  Type: TypedArrayOf<T>,
  values: ArrayLike<V>,
  map: (value: V) => number = Number,
): T {
  const array = sharedArray(Type, values.length);
  for (let i = 0; i < values.length; i++) array[i] = map(values[i]!);
  return array;
}
