import { execute, getIntrospectionQuery, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { cortexSchema } from '../../server/schema.js';
import { stringifySliced } from '../../server/stringifySliced.js';

/** The sliced serialiser writes exactly what Apollo's JSON.stringify(value) + '\n' writes, and lets other work run meanwhile. */
describe('stringifySliced', () => {
  // Alone (a small value is one piece) and inside a response large enough to be split around it.
  const filler = Array.from({ length: 1500 }, (_, i) => ({ i, s: `${i}` }));
  const same = async (value: unknown) => {
    for (const v of [value, { pad: filler, value, list: [...filler, value, value, ...filler], nested: { deeper: [filler, [value], { value }] } }]) {
      const text = await stringifySliced(v);
      expect(text === `${JSON.stringify(v)}\n`, JSON.stringify(v).slice(0, 200)).toBe(true);
    }
  };

  it('writes the same bytes as JSON.stringify for what JSON.stringify treats specially', async () => {
    const nullProto = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1, nested: { b: [1, { c: 'x' }] } });
    await same({ data: nullProto, errors: [{ message: 'm "quoted" \u2028 é', extensions: { code: 'BAD_USER_INPUT' } }] });
    await same({ skipped: undefined, fn: () => 1, sym: Symbol('s'), kept: null, list: [undefined, () => 1, Symbol('s'), null, { x: undefined }] });
    await same({ nan: NaN, inf: -Infinity, negZero: -0, date: new Date(0), boxed: [new Number(3), new String('s'), new Boolean(false)] });
    await same({ toJSON: () => ({ replaced: true }) });
    await same([{ toJSON: (key: string) => `at ${key}` }, { toJSON: () => undefined }, undefined, 1n === 1n ? 'bigint left out: JSON.stringify throws on it' : 0]);
    await same({ nested: { toJSON: (key: string) => `key:${key}` }, deep: [[[[{ a: [[]] }]]]], empty: [{}, [], {}] });
    await same({ map: new Map([[1, 2]]), set: new Set([1]), typed: new Float64Array([1.5, 2]), cls: new (class P { x = { y: 1 }; })() });
    let deep: unknown = { leaf: true };
    for (let i = 0; i < 100; i++) deep = { d: [deep] };
    await same(deep);
    await same([]);
    await same({});
  });

  it('writes a real GraphQL result (null-prototype objects from graphql-js) as JSON.stringify does', async () => {
    const result = await execute({ schema: await cortexSchema(), document: parse(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true })) });
    expect(result.errors).toBeUndefined();
    await same({ errors: undefined, data: result.data, extensions: undefined });
  });

  it('lets the event loop turn while it serialises a large response', async () => {
    const points = Array.from({ length: 4000 }, (_, i) => ({ series: { x: i, points: Array.from({ length: 30 }, (_, j) => ({ x: j, value: i * j + 0.5, label: `p${j}` })) } }));
    let turned = false;
    setImmediate(() => void (turned = true));
    const text = await stringifySliced({ data: { points } });
    // Without a slice boundary the whole walk would run in this turn and `turned` would still be false.
    expect(turned).toBe(true);
    expect(text).toBe(`${JSON.stringify({ data: { points } })}\n`);
  });
});
