import { describe, expect, it } from 'vitest';
import { compareSeries } from '../../../compute/trajectories/compareSeries.js';

describe('compareSeries best and final', () => {
  // A peak between two grid points: the grid's interpolation cannot reach it.
  const s = { key: 'm', x: Float64Array.of(1, 2, 3, 4, 5), value: Float64Array.of(0.1, 0.5, 0.9, 0.4, NaN) };

  it('takes best and final from the series’ own points, with their indices', () => {
    const plain = compareSeries([s]);
    expect(plain.series[0].best).toEqual({ x: 3, value: 0.9, index: 2 });
    expect(plain.series[0].final).toEqual({ x: 4, value: 0.4, index: 3 });
  });

  it('keeps them at the points when a grid is asked for (the grid is only for the series and correlations)', () => {
    const gridded = compareSeries([s], { grid: { points: 4, scale: 'LINEAR' } });
    expect(gridded.grid).toEqual(Float64Array.of(1, 2, 3, 4));
    const onGrid = compareSeries([s], { grid: { points: 3, scale: 'LINEAR' } });
    expect(onGrid.grid).toEqual(Float64Array.of(1, 2.5, 4));
    expect(Math.max(...onGrid.series[0].value)).toBeCloseTo(0.7, 12); // interpolated 0.5…0.9 at 2.5
    expect(onGrid.series[0].best).toEqual({ x: 3, value: 0.9, index: 2 });
    expect(onGrid.series[0].final).toEqual({ x: 4, value: 0.4, index: 3 });
    expect(compareSeries([s], { grid: { points: 3, scale: 'LINEAR' }, higherIsBetter: false }).series[0].best).toEqual({ x: 1, value: 0.1, index: 0 });
  });
});
