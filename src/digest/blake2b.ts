// The one hash-wasm export distsum uses, in a module of its own: the bundle imports this lazily,
// and esbuild then keeps only the BLAKE2b code (hash-wasm ships every algorithm in one module).

export { createBLAKE2b } from 'hash-wasm';
