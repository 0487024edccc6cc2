import { useSession } from '../auth';
import { usePageTitle } from '../hooks';

export function Landing() {
  usePageTitle(null);
  const session = useSession();
  const signedIn = session.status === 'authenticated';

  return (
    <>
      <section class="hero" aria-labelledby="hero-title">
        <p class="eyebrow">AI image studio</p>
        <h1 id="hero-title">Turn your words into images. Pay only for what you make.</h1>
        <p class="lead">
          Describe a picture and Pixmint draws it with modern AI image models. Buy credits when you need them, see the
          price before you generate, and keep every image you make.
        </p>
        <div class="cta-row">
          {signedIn ? (
            <a href="/dashboard" class="btn btn-primary btn-large">
              Go to your studio
            </a>
          ) : (
            <>
              <a href="/signup" class="btn btn-primary btn-large">
                Create free account
              </a>
              <a href="/signin" class="btn btn-secondary btn-large">
                I already have an account
              </a>
            </>
          )}
        </div>
        {!signedIn && <p class="cta-note">50 free credits when you sign up. No card needed.</p>}
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
    </>
  );
}
