/** Prompts for "Surprise me": varied subjects, each specific enough to make a good first picture. */
const PROMPTS = [
  'A lighthouse on a basalt cliff at dawn, mist rolling over the sea, soft pastel light',
  'A cosy reading nook in a treehouse, fairy lights, rain on the windows, warm tones',
  'A red fox curled up in fresh snow under a pine tree, morning sun, shallow depth of field',
  'A futuristic greenhouse on Mars filled with tomato plants, dust storm outside the glass',
  'An isometric tiny island with a bakery, a windmill and a harbour, bright clay render',
  'A paper boat sailing down a rainy city street at night, neon reflections in the puddles',
  'A koi pond seen from above, lotus leaves and orange fish, ink and watercolour',
  'A vintage travel poster of the Alps with a red train crossing a stone viaduct',
  'A snail wearing a tiny knitted scarf on a mossy log, macro photograph',
  'A night market in a desert oasis, lanterns, spice stalls and camels, cinematic',
  'A whale swimming through clouds above a sleeping village, dreamy, moonlit',
  'A bowl of ramen with steam rising, soft studio light, top-down food photography',
  'A robot gardener watering sunflowers on a rooftop in Lisbon, golden hour',
  'Hot-air balloons over terraced rice fields at sunrise, wide landscape',
  'A library built inside a giant hollow tree, spiral stairs, sunbeams through the leaves',
  'A cat astronaut floating in a space station window, Earth behind, playful illustration',
  'A glass teapot with a blooming flower inside, backlit, minimal white background',
  'A winding mountain road in autumn, red and gold forest, aerial view',
  'An underwater city of coral towers with glowing jellyfish streetlights',
  'A retro diner on Route 66 at dusk, pink sky, chrome and neon sign',
  'A polar bear cub sliding down an iceberg, bright arctic light, joyful',
  'A stained-glass window of a phoenix rising, rich jewel colours',
  'A field of lavender with a lone stone cottage, Provence, late afternoon haze',
  'A steampunk owl made of brass gears perched on an old map, detailed',
] as const;

/** A prompt other than the one in the box. */
export function surprisePrompt(current: string): string {
  const others = PROMPTS.filter((prompt) => prompt !== current);
  return others[Math.floor(Math.random() * others.length)];
}
