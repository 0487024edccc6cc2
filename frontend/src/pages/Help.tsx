import { useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { api } from '../api';
import { LoadError } from '../components/LoadError';
import { ARTICLES, article, type Block } from '../help/articles';
import { search } from '../help/search';
import { Inline } from '../help/text';
import { formatCredits, formatMoney } from '../format';
import { useApiData, usePageTitle } from '../hooks';
import { NotFound } from './NotFound';
import './help.css';

/** The help center: every guide, searched as you type, and the ways to reach a person. */
export function HelpCenter() {
  usePageTitle('Help center');
  const [query, setQuery] = useState(() => new URLSearchParams(location.search).get('q') ?? '');
  const hits = search(query);
  const searching = query.trim().length > 1;
  return (
    <div class="help">
      <h1 class="page-title">Help center</h1>
      <form role="search" class="help-search" onSubmit={(event) => event.preventDefault()}>
        <label for="help-query">Search the guides</label>
        <input
          id="help-query"
          type="search"
          value={query}
          placeholder="refund, transparent, API key…"
          onInput={(event) => setQuery(event.currentTarget.value)}
        />
      </form>
      <div aria-live="polite">
        {searching && (
          <section aria-labelledby="results-title">
            <h2 id="results-title">
              {hits.length ? `${hits.length} ${hits.length === 1 ? 'guide' : 'guides'} found` : 'Nothing found'}
            </h2>
            {hits.length === 0 && (
              <p>
                Try other words, or <a href="/contact">ask us</a>.
              </p>
            )}
            <ul class="help-list">
              {hits.map((hit) => (
                <li key={hit.article.slug} data-testid="help-result">
                  <a href={`/help/${hit.article.slug}`}>{hit.article.title}</a>
                  <p class="muted">{hit.snippet}</p>
                </li>
              ))}
            </ul>
          </section>
        )}
      </div>
      {!searching && (
        <section aria-labelledby="guides-title">
          <h2 id="guides-title">Guides</h2>
          <ul class="help-list">
            {ARTICLES.map((guide) => (
              <li key={guide.slug} data-testid="help-guide">
                <a href={`/help/${guide.slug}`}>{guide.title}</a>
                <p class="muted">{guide.summary}</p>
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="more-title" class="card">
        <h2 id="more-title">Still stuck?</h2>
        <ul>
          <li>
            <a href="/contact">Contact support</a>: a person answers by email.
          </li>
          <li>
            <a href="/status">Status page</a>: whether something is down right now.
          </li>
          <li>
            <a href="/changelog">What's new</a>: every change, newest first.
          </li>
        </ul>
      </section>
    </div>
  );
}

/** One guide. */
export function HelpArticle() {
  const { params } = useRoute();
  const guide = article(params.slug ?? '');
  usePageTitle(guide ? `${guide.title} · Help` : 'Help');
  if (!guide) return <NotFound />;
  return (
    <article class="help" aria-labelledby="article-title">
      <p class="eyebrow">
        <a href="/help">Help center</a>
      </p>
      <h1 id="article-title" class="page-title">
        {guide.title}
      </h1>
      {guide.blocks.map((block, index) => (
        <HelpBlock key={index} block={block} />
      ))}
      <p class="help-footer muted">
        Not what you needed? <a href="/help">Search the help center</a> or <a href="/contact">contact support</a>.
      </p>
    </article>
  );
}

function HelpBlock({ block }: { block: Block }) {
  if ('h' in block) return <h2>{block.h}</h2>;
  if ('p' in block)
    return (
      <p>
        <Inline text={block.p} />
      </p>
    );
  if ('list' in block)
    return (
      <ul>
        {block.list.map((item) => (
          <li key={item}>
            <Inline text={item} />
          </li>
        ))}
      </ul>
    );
  if ('qa' in block)
    return (
      <details class="help-qa">
        <summary>{block.qa[0]}</summary>
        <p>
          <Inline text={block.qa[1]} />
        </p>
      </details>
    );
  return <LivePrices />;
}

/** Today's packs and per-image prices, from the same API the app uses. */
function LivePrices() {
  const packs = useApiData((signal) => api.creditPacks(signal));
  const models = useApiData((signal) => api.models(signal));
  return (
    <>
      <LoadError message={packs.error ?? models.error} onRetry={() => (packs.retry(), models.retry())} />
      {packs.data && (
        <ul data-testid="help-packs">
          {packs.data.items.map((pack) => (
            <li key={pack.id}>
              {pack.label}: {formatCredits(pack.credits)} credits for {formatMoney(pack.amount_cents, pack.currency)}
            </li>
          ))}
        </ul>
      )}
      {models.data && (
        <div class="table-wrap" role="region" aria-label="Credits per image" tabIndex={0}>
          <table class="data-table" data-testid="help-prices">
            <caption>Credits per image at the first preset size</caption>
            <thead>
              <tr>
                <th scope="col">Model</th>
                {['low', 'medium', 'high'].map((quality) => (
                  <th key={quality} scope="col" class="num">
                    {quality}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {models.data.items
                .filter((model) => model.available)
                .map((model) => (
                  <tr key={model.id}>
                    <th scope="row">{model.label}</th>
                    {['low', 'medium', 'high'].map((quality) => {
                      const price = model.prices.find((p) => p.size === model.sizes[0] && p.quality === quality);
                      return (
                        <td key={quality} class="num">
                          {price ? formatCredits(price.credits) : '—'}
                        </td>
                      );
                    })}
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
