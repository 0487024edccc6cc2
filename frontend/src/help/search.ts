import { ARTICLES, type Article, type Block } from './articles';
import { plain } from './text';

export interface Hit {
  article: Article;
  snippet: string;
}

function blockText(block: Block): string {
  if ('h' in block) return block.h;
  if ('p' in block) return block.p;
  if ('list' in block) return block.list.join(' ');
  if ('qa' in block) return block.qa.join(' ');
  return '';
}

const INDEX = ARTICLES.map((article) => {
  const pieces = [article.summary, ...article.blocks.map(blockText)].map(plain);
  return { article, pieces, haystack: `${article.title} ${pieces.join(' ')}`.toLowerCase() };
});

function words(query: string): string[] {
  return query
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 1);
}

/** The articles holding every word of the query, title matches first, each with the passage that matched. */
export function search(query: string): Hit[] {
  const wanted = words(query);
  if (wanted.length === 0) return [];
  return INDEX.filter((entry) => wanted.every((word) => entry.haystack.includes(word)))
    .map((entry) => {
      const inTitle = wanted.filter((word) => entry.article.title.toLowerCase().includes(word)).length;
      const piece = entry.pieces.find((text) => text.toLowerCase().includes(wanted[0])) ?? entry.article.summary;
      return { entry, inTitle, snippet: piece.length > 180 ? `${piece.slice(0, 177).trimEnd()}…` : piece };
    })
    .sort((a, b) => b.inTitle - a.inTitle)
    .map(({ entry, snippet }) => ({ article: entry.article, snippet }));
}
