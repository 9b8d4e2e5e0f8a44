import { bodyExcerpt } from './body-excerpt.ts';

describe('bodyExcerpt', () => {
  test.each([
    { name: 'empty', body: '', want: '' },
    { name: 'plain text', body: '  upstream\r\n  timeout ', want: 'upstream timeout' },
    {
      name: 'an HTML page',
      body: '<html><head><title>502 Bad Gateway</title></head><body><h1>502</h1></body></html>',
      want: '502 Bad Gateway 502',
    },
    {
      name: 'scripts, styles and comments are not text',
      body: '<style>p{}</style><script type="x">a<b</SCRIPT ><!-- <p>hidden</p> -->shown',
      want: 'shown',
    },
    {
      name: 'entities',
      body: 'a&amp;b &lt;c&gt; &#65;&#x42; &nbsp;&bogus; &#0;',
      want: 'a&b <c> AB &bogus; &#0;',
    },
    { name: 'a < that opens no tag', body: 'a < b and c<3', want: 'a < b and c<3' },
    { name: 'an unclosed tag hides the rest', body: 'before <div class="x', want: 'before' },
    { name: 'an unclosed script hides the rest', body: 'before<script>secret', want: 'before' },
    { name: 'cut at max', body: 'x'.repeat(50), max: 10, want: `${'x'.repeat(10)}...` },
    { name: 'never half a surrogate pair', body: `${'x'.repeat(9)}😀`, max: 10, want: `${'x'.repeat(9)}...` },
    {
      name: 'only the first 16 KiB are read',
      body: `${'a'.repeat(16 * 1024)}b`,
      max: 20_000,
      want: 'a'.repeat(16 * 1024),
    },
  ])('$name', ({ body, max = 200, want }) => {
    expect(bodyExcerpt(body, max)).toBe(want);
  });

  test('unclosed scripts and comments by the thousand: nothing shown, nothing scanned twice', () => {
    expect(bodyExcerpt('<script'.repeat(500_000) + '<!--'.repeat(500_000), 200)).toBe('');
  });
});
