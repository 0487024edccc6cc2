import { request, type LibraryImage } from '../api';
import type { Schemas } from '../api-types';
import { useApiData } from '../hooks';
import { imageName } from '../library';
import { LazyThumb } from './LazyThumb';
import './Lineage.css';

/** What an image came from (nearest first) and what was made from it (oldest first). */
export type ImageLineage = Schemas['Lineage'];

export function lineageOf(imageId: string, signal?: AbortSignal): Promise<ImageLineage> {
  return request<ImageLineage>('GET', `/images/${encodeURIComponent(imageId)}/lineage`, { signal });
}

interface LineageProps {
  imageId: string;
  /** Changes when something new may have been made from the image, to read its history again. */
  refresh?: number;
  /** Where each picture of the history leads: its page, or the editor. */
  href: (imageId: string) => string;
  /** What the link does, for its accessible name ("Open", "Edit"). */
  verb: string;
}

/** The image's history; nothing when it has none. */
export function Lineage({ imageId, refresh = 0, href, verb }: LineageProps) {
  const lineage = useApiData((signal) => lineageOf(imageId, signal), [imageId, refresh]);
  const data = lineage.data;
  if (!data || (data.ancestors.length === 0 && data.descendants.length === 0)) return null;
  return (
    <section class="lineage" aria-labelledby="lineage-title" data-testid="lineage">
      <h2 id="lineage-title">History</h2>
      {data.ancestors.length > 0 && (
        <LineageList title="Made from" images={data.ancestors} testId="lineage-ancestors" href={href} verb={verb} />
      )}
      {data.descendants.length > 0 && (
        <LineageList title="Made from this" images={data.descendants} testId="lineage-descendants" href={href} verb={verb} />
      )}
    </section>
  );
}

interface LineageListProps {
  title: string;
  images: LibraryImage[];
  testId: string;
  href: (imageId: string) => string;
  verb: string;
}

function LineageList({ title, images, testId, href, verb }: LineageListProps) {
  return (
    <>
      <h3>{title}</h3>
      <ul class="thumb-grid lineage-grid" data-testid={testId}>
        {images.map((image) => (
          <li key={image.id} class="thumb-item">
            <a href={href(image.id)} class="lineage-link">
              <LazyThumb url={image.thumbnail_url} alt="" width={image.width} height={image.height} transparent={image.has_alpha} />
              <span class="visually-hidden">
                {verb}: {imageName(image)}
              </span>
            </a>
          </li>
        ))}
      </ul>
    </>
  );
}
