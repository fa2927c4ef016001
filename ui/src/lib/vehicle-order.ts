//! The vehicle kinds in the order an officer most likely needs them for a violation: the
//! no-helmet and umbrella-rig campaigns are about e-bikes and motorcycles, illegal parking about
//! cars, jaywalking about pedestrians. The kinds named first lead; the others follow in the
//! contract's order (cars first, `other` last).

import { VEHICLE_KINDS, type VehicleKind, type ViolationType } from '../api/types';

const FIRST: Record<ViolationType, readonly VehicleKind[]> = {
  'no-helmet': ['e-bike', 'motorcycle'],
  'umbrella-rig': ['e-bike', 'motorcycle', 'tricycle', 'bicycle'],
  'illegal-passenger': ['e-bike', 'motorcycle', 'tricycle'],
  'drunk-driving': ['car', 'suv', 'motorcycle', 'e-bike'],
  'red-light': ['car', 'e-bike', 'motorcycle'],
  'illegal-parking': ['car', 'suv', 'truck', 'bus'],
  jaywalking: ['pedestrian', 'bicycle', 'e-bike'],
  'other-traffic': [],
};

/** Every vehicle kind once, the likely ones for this violation first. */
export function vehicleKindsFor(type: ViolationType | null | undefined): VehicleKind[] {
  const first = (type && FIRST[type]) || [];
  return [...first, ...VEHICLE_KINDS.filter((k) => !first.includes(k))];
}
