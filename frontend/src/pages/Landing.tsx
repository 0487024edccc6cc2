import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, type CreditPack, type ImageModel } from '../api';
import { useSession } from '../auth';
import { Toast, useToast } from '../components/Toast';
import { takeFlash } from '../flash';
import { defaultImagePrice, imagesWorth } from '../credits-images';
import { formatCredits, formatMoney } from '../format';
import { usePageTitle } from '../hooks';
import { generateHref, keepPendingPrompt } from '../pendingPrompt';
import './Landing.css';

const EXAMPLES = [
  {
    src: '/examples/sunset-mountains.webp',
    prompt: 'Layered mountains at sunset, soft haze, flat illustration',
    alt: 'Purple mountain ridges fading into a hazy orange sky with a pale setting sun.',
  },
  {
    src: '/examples/lighthouse-night.webp',
    prompt: 'A red and white lighthouse on a rocky island at night, starry sky',
    alt: 'A striped lighthouse on a dark island shines its beam across a starry night sky above a calm sea.',
  },
  {
    src: '/examples/balloons-dawn.webp',
    prompt: 'Hot-air balloons drifting over green hills at dawn',
    alt: 'Three striped hot-air balloons float in a pale morning sky above rolling green hills.',
  },
] as const;

// Shown until (or if) the API answers; the same packs the database starts with.
const FALLBACK_PACKS: CreditPack[] = [
  { id: 'starter', credits: 500, amount_cents: 500, currency: 'usd', label: 'Starter: 500 credits' },
  { id: 'standard', credits: 1000, amount_cents: 1000, currency: 'usd', label: 'Standard: 1,000 credits' },
  { id: 'plus', credits: 2100, amount_cents: 2000, currency: 'usd', label: 'Plus: 2,000 + 100 bonus credits' },
  { id: 'pro', credits: 5500, amount_cents: 5000, currency: 'usd', label: 'Pro: 5,000 + 500 bonus credits' },
];

interface Example {
  src: string;
  prompt: string;
  alt: string;
  href?: string;
  author?: string;
}

/** Three pictures: the Community images admins featured, topped up with the built-in examples. */
function useShowcase(): Example[] {
  const [chosen, setChosen] = useState<Example[]>([]);
  useEffect(() => {
    const controller = new AbortController();
    api.showcase(controller.signal).then(
      (page) =>
        setChosen(
          page.items.slice(0, EXAMPLES.length).map((item) => ({
            src: item.thumbnail_url,
            prompt: item.prompt ?? '',
            alt: item.alt,
            href: item.page_url,
            author: item.author,
          })),
        ),
      () => undefined, // the examples stay: a landing page never shows an error for this
    );
    return () => controller.abort();
  }, []);
  return [...chosen, ...EXAMPLES.slice(chosen.length)];
}

export function Landing() {
  usePageTitle(null);
  const session = useSession();
  const signedIn = session.status === 'authenticated';
  const [flash] = useState(takeFlash);
  const toast = useToast(flash);
  const showcase = useShowcase();

  return (
    <>
      <section class="hero" aria-labelledby="hero-title">
        <p class="eyebrow">AI image studio</p>
        <h1 id="hero-title">Turn your words into images. Pay only for what you make.</h1>
        <p class="lead">
          Describe a picture and Pixmint draws it with modern AI image models. Buy credits when you need them, see the
          price before you generate, and keep every image you make.
        </p>
        <HeroPrompt signedIn={signedIn} />
        <CallToAction signedIn={signedIn} />
      </section>

      <section class="features" aria-labelledby="features-title">
        <h2 id="features-title" class="visually-hidden">
          Why Pixmint
        </h2>
        <ul class="feature-grid">
          <li class="card">
            <h3>Pay as you go</h3>
            <p>
              <strong>$1 = 100 credits.</strong> Top up when you need to and spend credits one image at a time. No
              subscription, no monthly fee.
            </p>
          </li>
          <li class="card">
            <h3>50 free credits</h3>
            <p>Every new account starts with 50 credits, enough to try a few ideas before you spend a cent.</p>
          </li>
          <li class="card">
            <h3>Fair by design</h3>
            <p>You see the price before you generate, and credits for any image that fails come straight back.</p>
          </li>
        </ul>
      </section>

      <section class="section examples" aria-labelledby="examples-title">
        <h2 id="examples-title">From a sentence to a picture</h2>
        <p class="muted">Write what you want to see, pick a model and a style. A few prompts to start from:</p>
        <ul class="example-grid">
          {showcase.map((example) => (
            <li key={example.src} data-testid={example.href ? 'showcase-item' : 'example-item'}>
              <figure class="example">
                {/* Always three at 4:3, chosen or not, so nothing below moves when the showcase arrives. */}
                <img src={example.src} alt={example.alt} width={480} height={360} loading="lazy" decoding="async" />
                <figcaption>
                  <span class="visually-hidden">Prompt: </span>“{example.prompt}”
                  {example.href && (
                    <>
                      {' '}
                      <a href={example.href} class="example-author">
                        by {example.author}
                      </a>
                    </>
                  )}
                </figcaption>
              </figure>
            </li>
          ))}
        </ul>
        <p class="muted small-print">
          {showcase.some((example) => example.href)
            ? 'Made with Pixmint and shared on Community.'
            : 'Illustrations of each prompt; what you get depends on the model and style you choose.'}
        </p>
      </section>

      <Pricing />

      <section class="section closing-cta" aria-labelledby="closing-title">
        <h2 id="closing-title">{signedIn ? 'Your studio is ready' : 'Try it with 50 free credits'}</h2>
        <p>{signedIn ? 'Pick up where you left off.' : 'Create an account in a minute. No card needed.'}</p>
        <CallToAction signedIn={signedIn} compact />
      </section>
      <Toast message={toast.message} onDismiss={toast.hide} />
    </>
  );
}

/** The prompt box works before signing up: the prompt waits for the new account on the Generate page. */
function HeroPrompt({ signedIn }: { signedIn: boolean }) {
  const { route } = useLocation();
  const [prompt, setPrompt] = useState('');
  function submit(event: Event) {
    event.preventDefault();
    const text = prompt.trim();
    if (!text) return;
    if (signedIn) {
      route(generateHref(text));
      return;
    }
    keepPendingPrompt(text);
    route('/signup');
  }
  return (
    <form class="hero-prompt" role="search" aria-label="Start a picture" onSubmit={submit}>
      <label for="hero-prompt-input" class="visually-hidden">
        Describe a picture
      </label>
      <input
        id="hero-prompt-input"
        type="text"
        value={prompt}
        maxLength={4000}
        placeholder="Describe a picture, e.g. a lighthouse on a cliff at dusk"
        onInput={(event) => setPrompt((event.target as HTMLInputElement).value)}
        data-testid="hero-prompt"
      />
      <button type="submit" class="btn btn-primary" disabled={!prompt.trim()}>
        {signedIn ? 'Create it' : 'Create it free'}
      </button>
    </form>
  );
}

function CallToAction({ signedIn, compact }: { signedIn: boolean; compact?: boolean }) {
  if (signedIn) {
    return (
      <div class="cta-row">
        <a href="/generate" class="btn btn-primary btn-large">
          Generate an image
        </a>
        <a href="/dashboard" class="btn btn-secondary btn-large">
          Go to your dashboard
        </a>
      </div>
    );
  }
  return (
    <>
      <div class="cta-row">
        <a href="/signup" class="btn btn-primary btn-large">
          Create free account
        </a>
        {!compact && (
          <a href="/signin" class="btn btn-secondary btn-large">
            I already have an account
          </a>
        )}
      </div>
      {!compact && <p class="cta-note">50 free credits when you sign up. No card needed.</p>}
    </>
  );
}

function Pricing() {
  const [packs, setPacks] = useState<CreditPack[]>(FALLBACK_PACKS);
  const [models, setModels] = useState<ImageModel[] | null>(null);
  const [allModels, setAllModels] = useState<ImageModel[] | null>(null);
  const price = defaultImagePrice(allModels);

  useEffect(() => {
    const controller = new AbortController();
    api.creditPacks(controller.signal).then(
      (result) => result.items.length > 0 && setPacks(result.items),
      () => undefined, // The static packs stay.
    );
    api.models(controller.signal).then(
      (result) => {
        setAllModels(result.items);
        setModels(result.items.filter((model) => model.available && model.prices.length > 0));
      },
      () => setModels([]),
    );
    return () => controller.abort();
  }, []);

  return (
    <section class="section pricing" aria-labelledby="pricing-title">
      <h2 id="pricing-title">Simple pricing</h2>
      <p class="muted">
        1 credit = 1 US cent. Buy a pack once; credits never expire. Bigger packs come with bonus credits.
      </p>
      <ul class="price-grid" data-testid="pricing-packs">
        {packs.map((pack) => (
          <li key={pack.id} class="card price-card">
            <h3>{packName(pack)}</h3>
            <p class="price-amount">{formatMoney(pack.amount_cents, pack.currency)}</p>
            <p class="muted">{formatCredits(pack.credits)} credits</p>
            {pack.credits > pack.amount_cents && (
              <p class="price-bonus">+{formatCredits(pack.credits - pack.amount_cents)} bonus</p>
            )}
            {/* Held at one line's height until the models arrive, so the cards don't grow after. */}
            <p class="price-images" data-testid={`pack-images-${pack.id}`}>
              {imagesWorth(pack.credits, price) ?? '\u00a0'}
            </p>
          </li>
        ))}
      </ul>
      <p>
        <a href="/pricing" data-testid="pricing-link">
          Compare plans and packs
        </a>{' '}
        — a plan adds credits every month and takes a little off every pack.
      </p>
      <ModelPrices models={models} />
    </section>
  );
}

/** "Plus: 2,000 + 100 bonus credits" → "Plus". */
function packName(pack: CreditPack): string {
  return pack.label.split(':')[0].trim() || `${formatCredits(pack.credits)} credits`;
}

function ModelPrices({ models }: { models: ImageModel[] | null }) {
  if (models === null) {
    return (
      <p class="loading model-prices-loading" role="status">
        <span class="spinner" aria-hidden="true" /> Loading prices per image…
      </p>
    );
  }
  if (models.length === 0) {
    return <p class="model-prices-note">Most images cost between 2 and 40 credits. You always see the exact price first.</p>;
  }
  return (
    <div class="table-wrap model-prices">
      <table class="data-table" data-testid="model-prices">
        <caption>Price per image</caption>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Credits per image</th>
          </tr>
        </thead>
        <tbody>
          {models.map((model) => {
            const credits = model.prices.map((price) => price.credits);
            const low = Math.min(...credits);
            const high = Math.max(...credits);
            return (
              <tr key={model.id}>
                <th scope="row">{model.label}</th>
                <td>
                  {low === high ? formatCredits(low) : `${formatCredits(low)} to ${formatCredits(high)}`}
                  <span class="muted"> ({low === high ? formatMoney(low) : `${formatMoney(low)}–${formatMoney(high)}`})</span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
