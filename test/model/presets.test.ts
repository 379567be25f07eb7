import { describe, expect, it } from 'vitest';
import { DEFAULT_PRESET, PRESETS, PRESET_NAMES, resolveNetworkConfig } from '../../src/model/presets.js';
import { isRebuyError } from '../../src/errors.js';

describe('presets', () => {
  it('reproduce the seed notebooks', () => {
    expect(DEFAULT_PRESET).toBe('2x50');
    expect(PRESET_NAMES).toEqual(['2x10', '2x50', '3x50']);
    const common = { activation: 'relu', output: 'softmax', learningRate: 0.001, patience: 2, seed: 0 };
    expect(resolveNetworkConfig('2x10')).toEqual({ ...common, hidden: [10, 10], batchSize: 100, maxEpochs: 100 });
    expect(resolveNetworkConfig('2x50')).toEqual({ ...common, hidden: [50, 50], batchSize: 100, maxEpochs: 100 });
    expect(resolveNetworkConfig('3x50')).toEqual({ ...common, hidden: [50, 50, 50], batchSize: 200, maxEpochs: 200 });
  });

  it('default to 2x50 and apply overrides, ignoring undefined ones', () => {
    expect(resolveNetworkConfig()).toEqual(resolveNetworkConfig('2x50'));
    const c = resolveNetworkConfig(undefined, { seed: 7, hidden: [4], patience: undefined, classWeights: [1, 3] });
    expect(c).toMatchObject({ seed: 7, hidden: [4], patience: 2, classWeights: [1, 3] });
  });

  it('hand out copies: changing one leaves the preset alone', () => {
    const c = resolveNetworkConfig('2x10');
    c.hidden.push(99);
    expect(PRESETS['2x10'].hidden).toEqual([10, 10]);
    expect(resolveNetworkConfig('2x10').hidden).toEqual([10, 10]);
  });

  it('reject an unknown preset with a usage error listing the valid ones', () => {
    try {
      resolveNetworkConfig('4x100');
      expect.unreachable();
    } catch (err) {
      expect(isRebuyError(err) && err.code === 'USAGE').toBe(true);
      expect((err as Error).message).toBe('unknown network preset "4x100"; valid presets: 2x10, 2x50, 3x50');
    }
    expect(() => resolveNetworkConfig('toString')).toThrow(/unknown network preset/);
  });
});
