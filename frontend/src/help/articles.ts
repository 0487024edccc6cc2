/**
 * The help center's guides and FAQ: plain data, searched in the browser. A block is a heading, a paragraph or a
 * list; inline markup is `code`, **bold** and [links](/path) (see text.tsx). Numbers that the API knows (prices,
 * packs) are shown live on the pricing guide; the words here say how things work.
 */
export type Block = { h: string } | { p: string } | { list: string[] } | { qa: [string, string] } | { live: 'prices' };

export interface Article {
  slug: string;
  title: string;
  summary: string;
  blocks: Block[];
}

export const ARTICLES: readonly Article[] = [
  {
    slug: 'pricing',
    title: 'Pricing',
    summary: 'What an image costs, how credits are sold, and what is free.',
    blocks: [
      { p: 'Pixmint is pay as you go: no subscription is needed. **One US dollar buys 100 credits**, and every image costs a number of credits that depends on its model, size and quality.' },
      { h: 'Before you pay' },
      { p: 'The Generate page shows the exact price of a request before anything is charged, with what your balance will be after. The API gives the same figure with `POST /v1/generations/quote`.' },
      { list: [
        'A new account gets **50 free credits** once its email address is confirmed (once per email address).',
        'Preset sizes cost a fixed number of credits per image; custom sizes cost per megapixel; animated GIFs per frame.',
        'Images that fail are refunded automatically, and a request still waiting in the queue can be cancelled for a full refund. See [credits and refunds](/help/credits-and-refunds).',
        'Credits you buy never expire.',
      ] },
      { h: 'Prices today' },
      { live: 'prices' },
      { p: '[Buy credits](/credits) with a card through Stripe: a pack, or any whole number of dollars from $5 to $500.' },
    ],
  },
  {
    slug: 'credits-and-refunds',
    title: 'Credits and refunds',
    summary: 'Where credits go, when they come back, and what a refunded payment does.',
    blocks: [
      { p: 'Every change to your balance is a row in your [transactions](/credits/transactions): purchases, the cost of each generation, refunds and bonuses. You can download them as CSV.' },
      { h: 'Refunds of images' },
      { list: [
        'The cost is taken when a request is accepted. If some of its images cannot be made, exactly those are refunded when it finishes; if none can, all of it is.',
        'A request still **queued** can be cancelled from Generate: everything is refunded.',
        'Something wrong with an image that did not fail? [Contact support](/contact) from the same account: we look at the generation and can refund it.',
      ] },
      { h: 'Payments' },
      { list: [
        'A receipt is emailed when the credits of a purchase arrive. Bank payments can take a few days to clear; the credits come then.',
        'A payment that fails adds nothing and charges nothing; we email you, and you can try again with another method.',
        'If a payment is refunded or disputed, the credits it bought are taken back (your balance may go below zero).',
      ] },
    ],
  },
  {
    slug: 'models-and-options',
    title: 'Models and options',
    summary: 'Choosing a model, sizes, quality, transparent backgrounds, formats and editing.',
    blocks: [
      { p: 'Each model says what it takes, and every request is checked against it before anything is charged: an option a model does not take is refused with a message naming it.' },
      { list: [
        '**Size**: the presets, or any `WIDTHxHEIGHT` a model allows (multiples of 16, at most 3:1).',
        '**Quality**: low, medium (the default) or high; some models add more.',
        '**Background**: transparent backgrounds come as PNG or WebP with their alpha channel.',
        '**Format**: PNG, WebP or JPEG; animated GIF and SVG on the models that make them.',
        '**Number of images**: one to four per request.',
      ] },
      { h: 'Editing' },
      { p: 'Open any image in the editor to inpaint with a painted mask, outpaint onto a larger canvas, upscale, remove the background or make variations. Each is one request, quoted before it is charged and refunded if it fails.' },
      { h: 'When a model goes away' },
      { p: 'Providers retire models. A retired model is marked unavailable and requests for it are refused with nothing charged; Generate offers the current default instead.' },
      { h: 'Prompts that are refused' },
      { p: 'Prompts are screened before anything is charged. A refused prompt costs nothing; rephrase it, and see the [terms](/terms) for what Pixmint does not make.' },
    ],
  },
  {
    slug: 'api-quick-start',
    title: 'API quick start',
    summary: 'Generate images from your own code with an API key, or with the OpenAI SDK.',
    blocks: [
      { list: [
        'Make a key on [API keys](/developers/keys). It is shown once: keep it secret.',
        'Send it as the `X-API-Key` header. Each call is an ordinary generation: quoted, charged and refunded on failure.',
        'Ask `POST /v1/generations` for an image, then read `GET /v1/generations/{id}` until it has succeeded.',
      ] },
      { p: 'For example: `curl -H "X-API-Key: pxm_…" -H "Content-Type: application/json" -d \'{"prompt": "a lighthouse at dusk"}\' https://<this site>/v1/generations`' },
      { h: 'OpenAI SDKs' },
      { p: "The official OpenAI SDKs work with `base_url` set to `<this site>/v1/openai` and your Pixmint key as `api_key`: `images.generate`, `images.edit` and `models.list`." },
      { h: 'Webhooks' },
      { p: 'Instead of polling, add a [webhook endpoint](/developers/webhooks) for `generation.succeeded`, `generation.failed`, `credits.purchased` and `credits.low`. Every delivery is signed.' },
      { p: 'The [developer docs](/developers) list every endpoint with examples.' },
    ],
  },
  {
    slug: 'privacy',
    title: 'Privacy and your data',
    summary: 'What Pixmint keeps, what it sends to image providers, and how to leave.',
    blocks: [
      { list: [
        'We keep your email address, your display name, your images and prompts, and the ledger of your credits.',
        'Image providers receive your prompt and any image you edit, with a pseudonym for your account (never your email).',
        'Payments go through Stripe; we never see your card.',
        'Choose which optional emails you get in [Settings](/settings#email); receipts and security emails always go out.',
        '**Delete your account** in [Settings](/settings): your images and keys are gone at once; the ledger keeps anonymised rows, as accounting requires.',
      ] },
      { p: 'The full [privacy policy](/privacy) has the details.' },
    ],
  },
  {
    slug: 'faq',
    title: 'Frequently asked questions',
    summary: 'Short answers to what people ask most.',
    blocks: [
      { qa: ['Do I need a subscription?', 'No. Buy credits when you need them; they never expire.'] },
      { qa: ['My image failed. Do I pay for it?', 'No: failed images are refunded automatically. See [credits and refunds](/help/credits-and-refunds).'] },
      { qa: ['Why did I not get the 50 free credits?', 'They arrive when you confirm your email address, once per address. Ask for a new confirmation link from the banner at the top of the page.'] },
      { qa: ['Who owns the images I make?', 'You do, within the [terms](/terms). Images stay private unless you share or publish them.'] },
      { qa: ['Can I use Pixmint from my code?', 'Yes: see the [API quick start](/help/api-quick-start).'] },
      { qa: ['Sign-up asks for an invite code.', 'Pixmint may be invite-only during the beta. [Join the waitlist](/waitlist) and we will email you a code.'] },
      { qa: ['Is Pixmint down?', 'The [status page](/status) says, even when the site itself does not load.'] },
      { qa: ['How do I reach a person?', 'Use the [contact form](/contact); we answer by email.'] },
    ],
  },
];

export function article(slug: string): Article | undefined {
  return ARTICLES.find((a) => a.slug === slug);
}
