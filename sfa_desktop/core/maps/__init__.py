"""Maps without a screen: the slippy-map maths of OpenStreetMap's tiles (Web Mercator), fitting points in
a view, scale bars and grid lines (:mod:`.slippy`), and what the map of a rep's day shows (:mod:`.day`)."""
