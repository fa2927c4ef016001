// Vehicle kinds ordered by violation: two-wheelers first for the helmet and umbrella campaigns,
// cars first for parking, pedestrians first for jaywalking; always every kind exactly once.
import { describe, expect, it } from 'vitest';
import { VEHICLE_KINDS, VIOLATION_TYPES } from '../src/api/types';
import { vehicleKindsFor } from '../src/lib/vehicle-order';

describe('vehicleKindsFor', () => {
  it.each(VIOLATION_TYPES)('%s lists every kind once', (type) => {
    const kinds = vehicleKindsFor(type);
    expect([...kinds].sort()).toEqual([...VEHICLE_KINDS].sort());
  });

  it.each(['no-helmet', 'umbrella-rig'] as const)('%s: e-bike and motorcycle first', (type) => {
    expect(vehicleKindsFor(type).slice(0, 2)).toEqual(['e-bike', 'motorcycle']);
  });

  it('illegal parking: cars first', () => {
    expect(vehicleKindsFor('illegal-parking').slice(0, 2)).toEqual(['car', 'suv']);
  });

  it('jaywalking: pedestrians first', () => {
    expect(vehicleKindsFor('jaywalking')[0]).toBe('pedestrian');
  });

  it('other violations, or none known, keep the contract order; "other" stays last', () => {
    expect(vehicleKindsFor('other-traffic')).toEqual([...VEHICLE_KINDS]);
    expect(vehicleKindsFor(null)).toEqual([...VEHICLE_KINDS]);
    for (const type of VIOLATION_TYPES) expect(vehicleKindsFor(type).at(-1)).toBe('other');
  });
});
