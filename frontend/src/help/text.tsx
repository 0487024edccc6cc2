import type { ComponentChildren } from 'preact';

/**
 * The little inline markup the help articles and the changelog use: `code`, **bold** and [a link](/path).
 * Rendered as elements, never as HTML, so no text can become markup.
 */
export function Inline({ text }: { text: string }) {
  const parts: ComponentChildren[] = [];
  const pattern = /`([^`]+)`|\*\*([^*]+)\*\*|\[([^\]]+)\]\(([^)\s]+)\)/g;
  let last = 0;
  let key = 0;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    if (match[1] !== undefined) parts.push(<code key={key++}>{match[1]}</code>);
    else if (match[2] !== undefined) parts.push(<strong key={key++}>{match[2]}</strong>);
    else if (safeHref(match[4])) parts.push(<a key={key++} href={match[4]}>{match[3]}</a>);
    else parts.push(match[3]);
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return <>{parts}</>;
}

/** Only the site's own paths, in-page anchors and https links. */
function safeHref(href: string): boolean {
  return href.startsWith('/') || href.startsWith('#') || href.startsWith('https://');
}

/** What a search matches against: the text without its markup. */
export function plain(text: string): string {
  return text.replace(/`([^`]+)`/g, '$1').replace(/\*\*([^*]+)\*\*/g, '$1').replace(/\[([^\]]+)\]\([^)]+\)/g, '$1');
}
