"""The HTML report's inline style and script (cpe.audit_html writes them in the file).

The table fits a 1366-px screen: fixed layout at the page's width, cells that wrap,
only the essential columns shown; the others are one click away (the "Colunas" menu),
and each row opens a details row with every field. Sorting keeps empty values last in
both directions, so "no optical reading" never hides the weakest signals.
"""

from __future__ import annotations

CSS = """
:root{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#212121}
*{box-sizing:border-box}
body{margin:0;padding:12px 18px}
h1{font-size:1.45rem;margin:.2rem 0}h2{font-size:1.1rem;margin:1.2rem 0 .45rem}
h3{font-size:.95rem;margin:.3rem 0}
.meta{color:#555;margin:0 0 .8rem}
.cards{display:flex;flex-wrap:wrap;gap:8px}
.card{border-left:6px solid #999;background:#f5f5f5;padding:6px 12px;min-width:110px}
.card b{display:block;font-size:1.35rem}.card span{font-size:.85rem;color:#444}
.since{border:1px solid #cfd8dc;background:#f7fafc;padding:8px 12px;border-radius:6px}
.since p{margin:.2rem 0 .5rem}
.since details{margin:.25rem 0}.since summary{cursor:pointer}
.since ul{columns:4 14em;margin:.3rem 0 .3rem 1.2rem;padding:0;font-size:.82rem}
.charts{display:flex;flex-wrap:wrap;gap:24px}
.charts svg{max-width:100%;height:auto}
.legend{font-size:.8rem;display:flex;flex-wrap:wrap;gap:10px;margin:.3rem 0}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:.5rem 0}
.filters input{min-width:240px;padding:4px}
.cols{position:relative}.cols summary{cursor:pointer;padding:3px 8px;border:1px solid #bbb;
border-radius:4px;list-style:none}
.cols div{position:absolute;z-index:3;background:#fff;border:1px solid #bbb;padding:6px 10px;
columns:2;width:26rem;font-size:.85rem}
.cols label{display:block;white-space:nowrap}
.wrap{overflow:auto;max-height:85vh;border:1px solid #e0e0e0}
table{border-collapse:collapse;font-size:.82rem;width:100%;table-layout:fixed}
th,td{border-bottom:1px solid #e0e0e0;padding:3px 5px;text-align:left;vertical-align:top;
overflow-wrap:anywhere}
th{position:sticky;top:0;z-index:2;background:#fafafa;cursor:pointer;user-select:none}
th.asc::after{content:" ▲"}th.desc::after{content:" ▼"}
th.c-abrir{cursor:default}
.c-abrir{width:30px}.c-login{width:13%}.c-modelo{width:10%}.c-veredito{width:8.5%}
.c-divergencias{width:10%}.c-contrato{width:7.5%}.c-optico{width:9%}
td.c-abrir button{border:1px solid #bbb;background:#fff;border-radius:4px;width:22px;
padding:0;cursor:pointer;line-height:18px}
td.v{font-weight:600}
.v-ok{color:#2e7d32}.v-drift{color:#a66b00}.v-unreachable{color:#616161}
.v-auth_failed{color:#c62828}.v-locked{color:#6a1b9a}.v-busy{color:#1565c0}
.v-unsupported{color:#8d6e63}.v-error{color:#d84315}
.o-warning{color:#a66b00;font-weight:600}.o-critical,.o-no_signal{color:#c62828;font-weight:600}
tr.det td{background:#f7fafc}
tr.det dl{display:grid;grid-template-columns:12rem 1fr;gap:2px 12px;margin:4px 0}
tr.det dt{color:#555}tr.det dd{margin:0}
tr[hidden]{display:none}
"""

JS = r"""
(function(){
  var table=document.getElementById('devices'), body=table.tBodies[0];
  var rows=Array.prototype.slice.call(body.rows);
  var text=rows.map(function(r){return r.textContent.toLowerCase();});
  var q=document.getElementById('q'), fv=document.getElementById('fv'),
      fm=document.getElementById('fm'), count=document.getElementById('count');
  var heads=table.tHead.rows[0].cells;
  function closeDetails(){
    Array.prototype.slice.call(body.querySelectorAll('tr.det')).forEach(function(d){
      d.parentNode.removeChild(d);});
  }
  function apply(){
    closeDetails();
    var s=q.value.trim().toLowerCase(), v=fv.value, m=fm.value, n=0;
    for(var i=0;i<rows.length;i++){
      var r=rows[i], show=(!v||r.getAttribute('data-v')===v)&&
        (!m||r.getAttribute('data-m')===m)&&(!s||text[i].indexOf(s)>=0);
      r.hidden=!show; if(show){n++;}
    }
    count.textContent=n+' de '+rows.length+' equipamentos';
  }
  var timer=null;
  q.addEventListener('input',function(){clearTimeout(timer);timer=setTimeout(apply,120);});
  fv.addEventListener('change',apply); fm.addEventListener('change',apply);
  Array.prototype.forEach.call(document.querySelectorAll('.cols input'),function(box){
    box.addEventListener('change',function(){
      closeDetails(); table.classList.toggle('h-'+box.getAttribute('data-col'),!box.checked);
    });
  });
  function visibleColumns(){
    var n=0;
    Array.prototype.forEach.call(heads,function(h){if(h.offsetParent!==null){n++;}});
    return n;
  }
  body.addEventListener('click',function(ev){
    var btn=ev.target.closest('button[data-abrir]'); if(!btn){return;}
    var tr=btn.closest('tr'), next=tr.nextElementSibling;
    if(next&&next.classList.contains('det')){
      next.parentNode.removeChild(next); btn.textContent='+';
      btn.setAttribute('aria-expanded','false'); return;
    }
    var det=document.createElement('tr'); det.className='det';
    var td=document.createElement('td'); td.colSpan=visibleColumns();
    var dl=document.createElement('dl');
    for(var c=1;c<heads.length;c++){
      var value=tr.cells[c].textContent; if(!value){continue;}
      var dt=document.createElement('dt'); dt.textContent=heads[c].textContent.replace(/ [▲▼]$/,'');
      var dd=document.createElement('dd'); dd.textContent=value;
      dl.appendChild(dt); dl.appendChild(dd);
    }
    td.appendChild(dl); det.appendChild(td); tr.parentNode.insertBefore(det,tr.nextSibling);
    btn.textContent='−'; btn.setAttribute('aria-expanded','true');
  });
  Array.prototype.forEach.call(heads,function(th,col){
    if(th.classList.contains('c-abrir')){return;}
    th.addEventListener('click',function(){
      closeDetails();
      var asc=!th.classList.contains('asc'), num=th.getAttribute('data-num')==='1';
      Array.prototype.forEach.call(heads,function(h){h.classList.remove('asc','desc');});
      th.classList.add(asc?'asc':'desc');
      var idx=rows.map(function(r,i){return i;});
      function key(i){
        var c=rows[i].cells[col];
        if(num){var x=parseFloat(c.getAttribute('data-n'));return isNaN(x)?null:x;}
        var t=c.textContent.toLowerCase();return t===''?null:t;
      }
      var keys=idx.map(key);
      idx.sort(function(a,b){
        var ka=keys[a],kb=keys[b];
        if(ka===null||kb===null){  // empty values last, whatever the direction
          return ka===kb?a-b:(ka===null?1:-1);
        }
        var r=ka<kb?-1:(ka>kb?1:0);
        if(r===0){return a-b;} return asc?r:-r;
      });
      rows=idx.map(function(i){return rows[i];}); text=idx.map(function(i){return text[i];});
      var frag=document.createDocumentFragment();
      rows.forEach(function(r){frag.appendChild(r);}); body.appendChild(frag);
    });
  });
  apply();
})();
"""
