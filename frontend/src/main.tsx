// The shared styles first: each component's own stylesheet, imported with it, comes after them and may refine them.
import './styles/tokens.css';
import './styles/base.css';
import './styles/buttons.css';
import './styles/forms.css';
import './styles/tables.css';
import './styles/badges.css';
import { render } from 'preact';
import { App } from './app';
import { startSession } from './auth';

startSession();
render(<App />, document.getElementById('app')!);
