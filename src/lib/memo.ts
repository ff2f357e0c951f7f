/**
 * One value per key object, made on first use and dropped with the key (a WeakMap): for what is
 * derived from a playbook version or a configured list and costs too much to derive per call.
 */
export function memoByObject<K extends object, V> (make: (key: K) => V): (key: K) => V {
  // Boxed, so a derived null or undefined is remembered too.
  const cache = new WeakMap<K, { readonly value: V }>()
  return (key) => {
    let hit = cache.get(key)
    if (hit === undefined) {
      hit = { value: make(key) }
      cache.set(key, hit)
    }
    return hit.value
  }
}
