import { HopbusError } from '../errors/HopbusError.js';

/** What a TC39 standard decorator gets as its second argument, where a legacy one gets a property key. */
interface StandardDecoratorContext {
  readonly kind: string;
  readonly name?: unknown;
}

function isStandardDecoratorContext(value: unknown): value is StandardDecoratorContext {
  return typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string';
}

/**
 * Throws `config` when a decorator was called as a TC39 standard decorator, `(value, context)`,
 * which is what a compiler does when TypeScript's `experimentalDecorators` is off (or ignored):
 * hopbus's decorators are the legacy ones, `(target, key, descriptor)`. `second`: the second
 * argument of the call.
 */
export function refuseStandardDecorator(decorator: string, second: unknown): void {
  if (!isStandardDecoratorContext(second)) return;
  throw new HopbusError(
    'config',
    `${decorator} on ${String(second.name)} was applied as a standard (TC39) decorator, but hopbus's decorators are TypeScript's legacy decorators. ` +
      'Set "experimentalDecorators": true and "emitDecoratorMetadata": true in the compilerOptions of the tsconfig.json that compiles this file ' +
      '(tsx and esbuild read experimentalDecorators from it but emit no metadata: give every constructor parameter an @inject()). ' +
      'With swc, set jsc.parser.decorators, jsc.transform.legacyDecorator and jsc.transform.decoratorMetadata; with Babel, use @babel/plugin-proposal-decorators with { version: "legacy" }.',
  );
}
