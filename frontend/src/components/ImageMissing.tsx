/** What the image page and the editor show for an image that is not (or no longer) the user's. */
export function ImageMissing() {
  return (
    <section class="not-found" aria-labelledby="missing-title" data-testid="image-missing">
      <h1 id="missing-title">Image not found</h1>
      <p>This image doesn't exist or has been deleted.</p>
      <p>
        <a href="/gallery" class="btn btn-primary">
          Back to your images
        </a>
      </p>
    </section>
  );
}
