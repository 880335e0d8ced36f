import * as core from '@hopbus/core';
import { Actor, HopbusError, Publishes, Subscribe, topic } from '@hopbus/core';
import ts from 'typescript';

const Orders = topic<{ orderId: string }>('std.orders');

/** A decorator as TC39 standard decorators call it: (value, context). */
type StandardDecorator = (value: unknown, context: object) => unknown;

function context(kind: 'class' | 'method' | 'field', name: string): object {
  return {
    kind,
    name,
    static: false,
    private: false,
    access: { has: () => true, get: () => undefined, set: () => undefined },
    addInitializer: () => undefined,
    metadata: {},
  };
}

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

function expectConfigError(error: unknown, decorator: string, member: string): void {
  expect(HopbusError.hasCode(error, 'config')).toBe(true);
  const message = (error as Error).message;
  expect(message).toContain(decorator);
  expect(message).toContain(member);
  expect(message).toContain('"experimentalDecorators": true');
  expect(message).toContain('"emitDecoratorMetadata": true');
}

describe('decorators applied as TC39 standard decorators (no experimentalDecorators)', () => {
  it('@Subscribe says what to set, with code config', () => {
    const decorate = Subscribe(Orders) as unknown as StandardDecorator;
    const error = thrownBy(() => decorate(function charge() {}, context('method', 'charge')));
    expectConfigError(error, '@Subscribe(std.orders)', 'charge');
  });

  it('@Publishes says what to set, with code config', () => {
    const decorate = Publishes(Orders) as unknown as StandardDecorator;
    expectConfigError(
      thrownBy(() => decorate(undefined, context('field', 'placed'))),
      '@Publishes(std.orders)',
      'placed',
    );
  });

  it('@Actor says what to set, with code config', () => {
    class Shop {}
    const decorate = Actor('shop') as unknown as StandardDecorator;
    expectConfigError(
      thrownBy(() => decorate(Shop, context('class', 'Shop'))),
      '@Actor',
      'Shop',
    );
  });

  it('fails that way when TypeScript compiles a service without experimentalDecorators', () => {
    const source = `
      import { Actor, Publishes, Subscribe, topic } from '@hopbus/core';
      const Orders = topic('std.compiled.orders');
      @Actor('shop')
      export class Shop {
        @Publishes(Orders) placed;
        @Subscribe(Orders) charge(order) {}
      }
    `;
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, experimentalDecorators: false },
    });
    expect(outputText).toContain('__esDecorate'); // the standard decorators' emit, not the legacy __decorate
    const load = new Function('require', 'exports', outputText) as (require: (name: string) => unknown, exports: object) => void;
    const error = thrownBy(() => load(() => core, {}));
    expectConfigError(error, '@Subscribe(std.compiled.orders)', 'charge');
  });

  it('still records what legacy decorators declare', () => {
    @Actor('legacy')
    class Legacy {
      @Publishes(Orders) readonly placed!: unknown;
      @Subscribe(Orders) charge(): void {}
    }
    expect(new Legacy()).toBeInstanceOf(Legacy);
  });
});
