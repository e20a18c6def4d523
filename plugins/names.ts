// The built-in plugins, by folder under plugins/. The sandbox loads each from its folder, confined
// like any third-party plugin; index.ts imports the same plugins for the host, which validates
// their configs in-process (a test keeps the two lists in step). No plugin code is imported here:
// the sandbox imports this module before it loads any plugin.
export const BUILTIN_PLUGIN_FOLDERS: readonly string[] = Object.freeze([
  'fs',
  'http',
  'clock',
  'random',
  'kv',
]);
