// A store is where a capability's entries live: in memory for one run (the default) or in a file
// shared by the runs of a task (./file-store.ts). The plugin's methods see only this interface.
import { Entries } from './entries.ts';

/** What a change did: its result for the script, and whether anything must be saved. */
export interface Change<T> {
  value: T;
  changed: boolean;
}

export interface Store {
  /** Look at the current entries. */
  read<T>(look: (entries: Entries) => T): Promise<T>;
  /**
   * Apply `change` to the current entries and keep the outcome. If `change` throws (a quota),
   * nothing is kept. Changes apply one at a time, in the order they were asked for.
   */
  write<T>(change: (entries: Entries) => Change<T>): Promise<T>;
}

/**
 * Entries that live as long as this store, which `create` makes once per run: every run starts
 * empty and nothing it stores outlives it.
 */
export function memoryStore(): Store {
  const entries = new Entries();
  return {
    read: async (look) => look(entries),
    // Each Entries operation checks before it mutates, so a throwing change leaves nothing behind.
    write: async (change) => change(entries).value,
  };
}
