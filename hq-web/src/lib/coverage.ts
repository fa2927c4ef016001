//! The "1-3-5 minute" bands as colours and labels. HQ computes the estimate (straight line ×
//! detour factor ÷ speed by mode); the page only draws it.

import type { Band } from '../api/types';

export const BANDS: Band[] = ['1', '3', '5', 'over5', 'none'];

export const BAND_COLOUR: Record<Band, string> = {
  '1': '#2e7d32',
  '3': '#9ccc65',
  '5': '#fdd835',
  over5: '#fb8c00',
  none: '#e53935',
};
