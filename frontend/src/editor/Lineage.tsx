import type { LibraryImage } from '../api';
import { LazyThumb } from '../components/LazyThumb';
import { useApiData } from '../hooks';
import { imageName } from '../library';
import { editApi } from './types';

/** What this picture was made from and what was made from it; nothing when the API has no lineage to tell. */
export function Lineage({ imageId, refresh }: { imageId: string; refresh: number }) {
  const lineage = useApiData((signal) => editApi.lineage(imageId, signal), [imageId, refresh]);
  const data = lineage.data;
  if (!data || (data.ancestors.length === 0 && data.descendants.length === 0)) return null;
  return (
    <section class="editor-lineage" aria-labelledby="lineage-title" data-testid="lineage">
      <h2 id="lineage-title">History</h2>
      {data.ancestors.length > 0 && <LineageList title="Made from" images={data.ancestors} testId="lineage-ancestors" />}
      {data.descendants.length > 0 && (
        <LineageList title="Made from this" images={data.descendants} testId="lineage-descendants" />
      )}
    </section>
  );
}

function LineageList({ title, images, testId }: { title: string; images: LibraryImage[]; testId: string }) {
  return (
    <>
      <h3>{title}</h3>
      <ul class="thumb-grid editor-lineage-grid" data-testid={testId}>
        {images.map((image) => (
          <li key={image.id} class="thumb-item">
            <a href={`/images/${encodeURIComponent(image.id)}/edit`} class="editor-lineage-link">
              <LazyThumb url={image.thumbnail_url} alt="" width={image.width} height={image.height} transparent={image.has_alpha} />
              <span class="visually-hidden">Edit: {imageName(image)}</span>
            </a>
          </li>
        ))}
      </ul>
    </>
  );
}
