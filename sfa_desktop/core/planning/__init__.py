"""The week planner (issue 16, item 2): which accounts to visit this week, on which day, in which order.

``settings``: the rep's working hours and the travel model; ``problem``: the plain data a plan is made
from; ``travel``: travel minutes from coordinates; ``solver`` (PyVRP) and ``fallback`` (nearest neighbour
with 2-opt) turn a problem into routes; ``week`` reads the problem from the local database and turns an
accepted plan into agenda activities; ``segments`` suggests account segments from the ABC ranking.
"""
