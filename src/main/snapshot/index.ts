/** Snapshot export/import and change tracking over a LocalStore (used by backups and device linking). */
export * from './snapshot';
export { currentChangeSeq, exportChanges, hasMessageChanges, pruneChanges, type ChangeChunk } from './changes';
