import changelog from '../../../CHANGELOG.md?raw';
import { usePageTitle } from '../hooks';
import { Inline } from '../help/text';
import './help.css';

type Part = { kind: 'h2' | 'h3' | 'p'; text: string } | { kind: 'list'; items: string[] };

/** CHANGELOG.md as it was built into this release, in the small part of Markdown it uses. */
function parse(markdown: string): Part[] {
  const parts: Part[] = [];
  let paragraph: string[] = [];
  let list: string[] | null = null;
  const flush = () => {
    if (paragraph.length) parts.push({ kind: 'p', text: paragraph.join(' ') });
    if (list) parts.push({ kind: 'list', items: list });
    paragraph = [];
    list = null;
  };
  for (const line of markdown.split('\n')) {
    if (line.startsWith('# ')) continue; // the file's own title: the page has one
    if (line.startsWith('## ') || line.startsWith('### ')) {
      flush();
      parts.push({ kind: line.startsWith('## ') ? 'h2' : 'h3', text: line.replace(/^#+\s*/, '') });
    } else if (line.startsWith('- ')) {
      if (paragraph.length) flush();
      list = list ?? [];
      list.push(line.slice(2).trim());
    } else if (list && /^\s+\S/.test(line)) {
      list[list.length - 1] += ` ${line.trim()}`;
    } else if (!line.trim()) {
      flush();
    } else {
      if (list) flush();
      paragraph.push(line.trim());
    }
  }
  flush();
  return parts;
}

const PARTS = parse(changelog);

export function Changelog() {
  usePageTitle("What's new");
  return (
    <article class="help changelog" aria-labelledby="changelog-title">
      <p class="eyebrow">
        <a href="/help">Help center</a>
      </p>
      <h1 id="changelog-title" class="page-title">
        What's new
      </h1>
      {PARTS.map((part, index) => {
        if (part.kind === 'list')
          return (
            <ul key={index}>
              {part.items.map((item, n) => (
                <li key={n}>
                  <Inline text={item} />
                </li>
              ))}
            </ul>
          );
        if (part.kind === 'h2') return <h2 key={index}>{part.text}</h2>;
        if (part.kind === 'h3') return <h3 key={index}>{part.text}</h3>;
        return (
          <p key={index}>
            <Inline text={part.text} />
          </p>
        );
      })}
    </article>
  );
}
