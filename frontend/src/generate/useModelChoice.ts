import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type ImageModel } from '../api';
import { useApiData, type Loaded } from '../hooks';
import { defaultModel } from './options';

export interface ModelChoice {
  models: Loaded<ImageModel[]>;
  /** The models as offered now: one a request was refused for counts as unavailable until the list is loaded again. */
  list: ImageModel[];
  model: ImageModel | undefined;
  choose: (model: ImageModel) => void;
  /** A request for this model was refused (409 model_unavailable): mark it and load the list again. */
  withdraw: (id: string) => void;
  /** The model the form's last request was refused for as withdrawn, until another choice or request. */
  refused: string | null;
  setRefused: (id: string | null) => void;
}

/** The model list from GET /v1/models and the one chosen; `onChoose` hears of every choice, the first one too. */
/** The model list and the one chosen: `wanted` (handed over by "Use these settings") when it is available, else
 * the default. */
export function useModelChoice(onChoose: (model: ImageModel) => void, wanted = ''): ModelChoice {
  const models = useApiData((signal) => api.models(signal).then((result) => result.items));
  const [modelId, setModelId] = useState('');
  const [withdrawn, setWithdrawn] = useState<string[]>([]);
  const [refused, setRefused] = useState<string | null>(null);
  const chosen = useRef(onChoose);
  chosen.current = onChoose;

  const list = (models.data ?? []).map((item) => (withdrawn.includes(item.id) ? { ...item, available: false } : item));
  const model = list.find((item) => item.id === modelId);

  function choose(next: ImageModel) {
    setModelId(next.id);
    setRefused(null);
    chosen.current(next);
  }

  // Start with the default model once the list arrives (or again if the chosen one disappeared).
  useEffect(() => {
    if (!models.data) return;
    setWithdrawn([]); // The fresh list says what is available now.
    if (models.data.some((item) => item.id === modelId)) return;
    const handed = models.data.find((item) => item.id === wanted && item.available);
    const first = handed ?? defaultModel(models.data) ?? models.data[0];
    if (first) choose(first);
  }, [models.data]);

  function withdraw(id: string) {
    setWithdrawn((previous) => (previous.includes(id) ? previous : [...previous, id]));
    models.retry();
  }

  return { models, list, model, choose, withdraw, refused, setRefused };
}
