//! Entry point: pick the backend (Tauri or the fake), load state from it, render.

import { render } from 'preact';
import { initApi } from './api';
import { App } from './app';
import { startDispatches } from './state/dispatch';
import { startStore } from './state/store';
import './styles/base.css';
import './styles/components.css';
import './styles/screens.css';

async function main() {
  await initApi();
  await startStore();
  await startDispatches();
  render(<App />, document.getElementById('app')!);
}

void main();
