//! Entry point: styles, language, then the app.

import { render } from 'preact';
import { App } from './app';
import { language } from './i18n';
import './styles/app.css';

document.documentElement.lang = language();
render(<App />, document.getElementById('app')!);
