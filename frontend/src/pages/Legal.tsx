import { usePageTitle } from '../hooks';
import './Legal.css';

/** The terms of service: plain words on what Pixmint sells, what it keeps and what it asks of its users. */
export function Terms() {
  usePageTitle('Terms of service');
  return (
    <article class="prose" aria-labelledby="terms-title">
      <h1 id="terms-title">Terms of service</h1>
      <p class="muted">These terms apply to the Pixmint website and API.</p>
      <h2>Credits</h2>
      <p>
        Credits are bought in advance at $1 for 100 credits and spent one request at a time at the price shown before
        you generate. Credits for images that fail are returned automatically. Credits do not expire and are not
        redeemable for cash; a refund of a purchase takes back the credits it bought.
      </p>
      <h2>Your images</h2>
      <p>
        The images you make and upload are yours to keep, download and use, subject to the image model provider's
        terms. Pixmint stores them for your account until you delete them or close the account.
      </p>
      <h2>Acceptable use</h2>
      <p>
        Do not ask for images that are unlawful, that sexualise minors, that harass real people or that infringe
        others' rights. Prompts are checked by automated moderation; requests it refuses are not charged. Accounts
        that break these rules may be suspended.
      </p>
      <h2>Sharing</h2>
      <p>
        A private link shows an image to whoever has it. Publishing to Community shows it to everyone under your public
        handle; you can stop either at any time.
      </p>
      <h2>Changes</h2>
      <p>We will say on this page, and by email for material changes, when these terms change.</p>
    </article>
  );
}

/** The privacy policy: what is collected, why, and for how long. */
export function Privacy() {
  usePageTitle('Privacy policy');
  return (
    <article class="prose" aria-labelledby="privacy-title">
      <h1 id="privacy-title">Privacy policy</h1>
      <h2>What we keep</h2>
      <ul>
        <li>Your email address, a display name if you give one, and a password hash (argon2id); never the password.</li>
        <li>Your prompts, images and uploads, and the credits ledger of your purchases and spending.</li>
        <li>Payment status from Stripe; card details stay with Stripe and never reach Pixmint.</li>
        <li>Security records: sign-in sessions, and the address and time of sign-ins, to protect your account.</li>
      </ul>
      <h2>Who sees it</h2>
      <p>
        Prompts and source images are sent to the image model provider that renders them, with a one-way identifier of
        your account that providers use against abuse. Nothing is sold or shared for advertising.
      </p>
      <h2>Your choices</h2>
      <p>
        You can export your transactions, download your images, and delete images or your whole account from Settings;
        deleting the account removes its images and personal data.
      </p>
      <h2>Cookies</h2>
      <p>Pixmint stores only what keeps you signed in and your theme choice; there are no tracking cookies.</p>
    </article>
  );
}
