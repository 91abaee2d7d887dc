import { Resvg } from '@resvg/resvg-js';

/**
 * A PNG of an SVG plot, for places that do not show SVG (some viewers, chat, PDFs). resvg
 * (Rust, shipped prebuilt inside its npm package) draws it without a browser; text uses the
 * system fonts (DejaVu Sans, as on Debian), at twice the SVG's size so it stays sharp.
 */
export function svgToPng(svg: string): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: 2 },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}
