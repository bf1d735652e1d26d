/*!
 * Plaza widgets for city websites. Paste where a widget goes:
 *   <script src="https://plaza.example/widget.js" async></script>
 *   <div data-plaza-widget="petition" data-petition="12" data-lang="auto"></div>
 * Each placeholder gets a frame of the Plaza site this script came from. The frame tells its
 * height with postMessage ({ type: 'plaza:resize', widget, height }); only messages from that
 * Plaza origin and from that frame are believed. Attributes: docs/embed.md. No dependencies.
 */
;(function () {
  'use strict'
  var script = document.currentScript
  if (!script || !script.src) return
  var origin
  try {
    origin = new URL(script.src, window.location.href).origin
  } catch (_e) {
    return
  }
  var seen = (window.__plazaWidgetOrigins = window.__plazaWidgetOrigins || {})
  if (seen[origin]) {
    seen[origin].scan()
    return
  }

  var HEIGHTS = { map: 460, petition: 300, proposal: 280, reports: 420, 'report-form': 760 }
  var TITLES = {
    en: { map: 'Plaza map', petition: 'Plaza petition', proposal: 'Plaza proposal', reports: 'Latest reports on Plaza', 'report-form': 'Report a problem on Plaza' },
    es: { map: 'Mapa de Plaza', petition: 'Petición en Plaza', proposal: 'Propuesta en Plaza', reports: 'Últimos avisos en Plaza', 'report-form': 'Avisar de un problema en Plaza' },
    fr: { map: 'Carte Plaza', petition: 'Pétition sur Plaza', proposal: 'Proposition sur Plaza', reports: 'Derniers signalements sur Plaza', 'report-form': 'Signaler un problème sur Plaza' },
  }
  var frames = []
  var count = 0

  function attr(el, name) {
    var v = el.getAttribute(name)
    return v === null ? '' : String(v).trim()
  }

  function language(el) {
    var wanted = (attr(el, 'data-lang') || 'auto').toLowerCase()
    if (wanted === 'auto') wanted = (document.documentElement.getAttribute('lang') || '').toLowerCase()
    wanted = wanted.slice(0, 2)
    return wanted === 'en' || wanted === 'es' || wanted === 'fr' ? wanted : ''
  }

  function path(el, kind) {
    var q = new URLSearchParams()
    var id
    var p
    switch (kind) {
      case 'petition':
      case 'proposal':
        id = attr(el, 'data-' + kind) || attr(el, 'data-id')
        if (!/^[1-9][0-9]{0,11}$/.test(id)) return null
        p = '/embed/' + kind + 's/' + id
        break
      case 'map':
        if (!attr(el, 'data-area')) return null
        p = '/embed/map'
        q.set('area', attr(el, 'data-area'))
        if (attr(el, 'data-layers')) q.set('layers', attr(el, 'data-layers'))
        break
      case 'reports':
        p = '/embed/reports'
        if (attr(el, 'data-area')) q.set('area', attr(el, 'data-area'))
        if (attr(el, 'data-limit')) q.set('limit', attr(el, 'data-limit'))
        break
      case 'report-form':
        p = '/embed/report-form'
        if (attr(el, 'data-area')) q.set('area', attr(el, 'data-area'))
        else if (attr(el, 'data-lat') && attr(el, 'data-lng')) {
          q.set('lat', attr(el, 'data-lat'))
          q.set('lng', attr(el, 'data-lng'))
        } else return null
        break
      default:
        return null
    }
    var lang = language(el)
    if (lang) q.set('lang', lang)
    var query = q.toString()
    return query ? p + '?' + query : p
  }

  function mount(el) {
    var kind = attr(el, 'data-plaza-widget')
    var where = path(el, kind)
    el.setAttribute('data-plaza-mounted', '')
    if (!where) {
      if (window.console) window.console.warn('Plaza widget: missing or unknown options on', el)
      return
    }
    var id = 'plaza-widget-' + ++count
    var lang = language(el) || 'en'
    var height = Number(attr(el, 'data-height')) || HEIGHTS[kind]
    var frame = document.createElement('iframe')
    frame.id = id
    // The fragment names the frame in its resize messages; it never reaches the server.
    frame.src = origin + where + '#' + id
    frame.title = attr(el, 'data-title') || TITLES[lang][kind]
    frame.setAttribute('scrolling', 'no')
    frame.setAttribute('width', '100%')
    frame.setAttribute('height', String(height))
    frame.style.cssText = 'display:block;border:0;width:100%;overflow:hidden;height:' + height + 'px'
    frames.push(frame)
    el.appendChild(frame)
  }

  function scan() {
    var found = document.querySelectorAll('[data-plaza-widget]:not([data-plaza-mounted])')
    for (var i = 0; i < found.length; i++) mount(found[i])
  }

  window.addEventListener('message', function (event) {
    if (event.origin !== origin) return
    var data = event.data
    if (!data || data.type !== 'plaza:resize' || typeof data.height !== 'number' || !isFinite(data.height)) return
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) {
        var h = Math.max(40, Math.min(Math.ceil(data.height), 10000))
        frames[i].style.height = h + 'px'
        frames[i].setAttribute('height', String(h))
        return
      }
    }
  })

  seen[origin] = { scan: scan }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', scan)
  else scan()
})()
