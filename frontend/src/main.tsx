// Inter, self-hosted: the browser fetches only the subsets a page's text needs (the Latin one is preloaded).
import '@fontsource-variable/inter/wght.css';
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
import { startTheme } from './theme';

startTheme();
startSession();
render(<App />, document.getElementById('app')!);
