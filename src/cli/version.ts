/** Version of the package, injected by the build (tsup `define`); 'dev' when run from source. */
declare const __STORYGRAD_VERSION__: string | undefined;

export function storygradVersion(): string {
  return typeof __STORYGRAD_VERSION__ === 'string' ? __STORYGRAD_VERSION__ : 'dev';
}
