import { render } from 'preact';
import { App } from './app';
import { startSession } from './auth';
import './styles.css';

startSession();
render(<App />, document.getElementById('app')!);
