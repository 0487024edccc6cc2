import { useEffect } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { api } from '../api';
import { useSession } from '../auth';
import { LoadError } from '../components/LoadError';
import { Logo } from '../components/Logo';
import { formatDateTime } from '../format';
import { useApiData, usePageTitle } from '../hooks';
import { loadModels, modelName } from '../library';
import '../styles/images.css';
import './image-detail.css';

/** The public page of a shared image: anyone may see it, signed in or not. */
export function SharedImage() {
  const { params } = useRoute();
  const slug = params.slug ?? '';
  const loaded = useApiData((signal) => api.publicImage(slug, signal), [slug]);
  const models = useApiData((_signal) => loadModels());
  const session = useSession();
  const image = loaded.data;
  const missing = loaded.errorStatus === 404 || loaded.errorStatus === 410;

  usePageTitle(missing ? 'Image not shared' : image ? null : 'Shared image');
  // The tab and bookmarks take the prompt itself.
  useEffect(() => {
    if (image) document.title = image.prompt || 'Shared image · Pixmint';
  }, [image]);

  const signedIn = session.status === 'authenticated';

  if (missing) {
    return (
      <section class="not-found" aria-labelledby="missing-title" data-testid="shared-missing">
        <p class="eyebrow">404</p>
        <h1 id="missing-title">This image isn't shared</h1>
        <p>The link may be mistyped, or its owner has stopped sharing the image.</p>
        <p class="cta-row">
          <a href="/community" class="btn btn-primary">
            See what others made
          </a>
          <a href="/" class="btn btn-secondary">
            About Pixmint
          </a>
        </p>
      </section>
    );
  }

  if (!image) {
    return (
      <>
        <LoadError message={loaded.error} onRetry={loaded.retry} />
        {loaded.loading && (
          <p class="loading" role="status">
            <span class="spinner" aria-hidden="true" /> Loading the image…
          </p>
        )}
      </>
    );
  }

  return (
    <article class="shared-page" data-testid="shared-image" aria-labelledby="shared-title">
      <div class="detail-layout">
        <div class="detail-media">
          <div class="image-frame detail-frame">
            <img
              src={image.content_url}
              alt={image.alt}
              width={image.width}
              height={image.height}
              decoding="async"
              data-testid="shared-image-img"
            />
          </div>
        </div>
        <div class="detail-info">
          <h1 id="shared-title" class="detail-prompt">
            {image.prompt}
          </h1>
          <dl class="detail-facts">
            {image.author && (
              <div>
                <dt>By</dt>
                <dd>{image.author}</dd>
              </div>
            )}
            <div>
              <dt>Model</dt>
              <dd>{modelName(image.model, models.data)}</dd>
            </div>
            <div>
              <dt>Created</dt>
              <dd>
                <time dateTime={image.created_at}>{formatDateTime(image.created_at)}</time>
              </dd>
            </div>
          </dl>
          <aside class="card made-with" aria-labelledby="made-with-title">
            <p id="made-with-title" class="made-with-title">
              <Logo size={24} />
              <span>Made with Pixmint</span>
            </p>
            <p>Turn your words into images. Pay only for what you make: $1 buys 100 credits.</p>
            <p class="cta-row">
              {signedIn ? (
                <a href="/generate" class="btn btn-primary" data-testid="shared-cta">
                  Generate your own
                </a>
              ) : (
                <a href="/signup" class="btn btn-primary" data-testid="shared-cta">
                  Sign up free
                </a>
              )}
              <a href="/community" class="btn btn-secondary">
                More from the community
              </a>
            </p>
          </aside>
        </div>
      </div>
    </article>
  );
}
