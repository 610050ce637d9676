/**
 * What every store kit (dedupe, transactional, loop-guard) gets from the opener a store author
 * passes: kept apart from any one kit because all three build on it.
 */

/** A fresh, empty store for one case, and how to clean up after it. */
export interface StoreFixture<S> {
  store: S;
  /**
   * A second store over another connection to the same data, as another process would
   * open it (for the memory store, the same object).
   */
  another(): Promise<S>;
  /** Removes what the case wrote and closes what `open` opened. */
  cleanup(): Promise<void>;
}
