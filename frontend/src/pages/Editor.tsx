import { useRoute } from 'preact-iso';
import { api } from '../api';
import { LoadError } from '../components/LoadError';
import { RequireAuth } from '../components/RequireAuth';
import { Studio } from '../editor/Studio';
import { useApiData, usePageTitle } from '../hooks';
import { loadModels } from '../library';
import { ImageMissing } from '../components/ImageMissing';

/** /images/:id/edit: the editing studio for one of the user's images or uploads, in a chunk of its own. */
export function Editor() {
  const { params } = useRoute();
  const id = params.id ?? '';
  return <RequireAuth>{() => <EditorContent key={id} id={id} />}</RequireAuth>;
}

function EditorContent({ id }: { id: string }) {
  const image = useApiData((signal) => api.libraryImage(id, signal), [id]);
  const models = useApiData(() => loadModels());
  usePageTitle(image.errorStatus === 404 ? 'Image not found' : 'Edit image');

  if (image.errorStatus === 404) {
    return <ImageMissing />;
  }
  if (image.data && models.data) return <Studio image={image.data} models={models.data} />;
  return (
    <>
      <LoadError message={image.error} onRetry={image.retry} />
      <LoadError message={models.error} onRetry={models.retry} />
      {(image.loading || models.loading) && (
        <p class="loading" role="status">
          <span class="spinner" aria-hidden="true" /> Loading the editor…
        </p>
      )}
    </>
  );
}
