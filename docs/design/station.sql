PREPARE op2(uuid, text[], text[], int) AS
SELECT json_build_object(
  'id', s.id, 'name', s.name, 'level', s.level, 'status', s.status, 'inFullService', s.in_full_service,
  'openedOn', s.opened_on, 'investment', s.investment_fen, 'address', s.address,
  'region', (SELECT json_build_object('code', r.code, 'name', r.name,
               'parent', (SELECT json_build_object('code', p.code, 'name', p.name) FROM regions p WHERE p.code = r.parent_code))
             FROM regions r WHERE r.code = s.region_code),
  'parentStation', (SELECT json_build_object('id', ps.id, 'name', ps.name, 'level', ps.level)
             FROM stations ps WHERE ps.id = s.parent_station_id AND ps.deleted_at IS NULL
               AND EXISTS (SELECT 1 FROM unnest($2, $3) AS sc(lo, hi) WHERE ps.region_code BETWEEN sc.lo AND sc.hi)),
  'operator', (SELECT json_build_object('id', o.id, 'name', o.name, 'kind', o.kind)
             FROM organizations o WHERE o.id = s.operator_id AND o.deleted_at IS NULL),
  'childStations', json_build_object(
     'totalCount', (SELECT count(*) FROM stations c WHERE c.parent_station_id = s.id AND c.deleted_at IS NULL
                      AND EXISTS (SELECT 1 FROM unnest($2, $3) AS sc(lo, hi) WHERE c.region_code BETWEEN sc.lo AND sc.hi)),
     'nodes', (SELECT coalesce(json_agg(json_build_object('id', c.id, 'name', c.name, 'level', c.level) ORDER BY c.id), '[]')
               FROM (SELECT * FROM stations c WHERE c.parent_station_id = s.id AND c.deleted_at IS NULL
                      AND EXISTS (SELECT 1 FROM unnest($2, $3) AS sc(lo, hi) WHERE c.region_code BETWEEN sc.lo AND sc.hi)
                     ORDER BY c.id LIMIT $4) c)),
  'socialWorkers', json_build_object(
     'totalCount', (SELECT count(DISTINCT w.id) FROM station_assignments a JOIN social_workers w ON w.id = a.social_worker_id
                    WHERE a.station_id = s.id AND a.deleted_at IS NULL AND w.deleted_at IS NULL
                      AND EXISTS (SELECT 1 FROM unnest($2, $3) AS sc(lo, hi) WHERE w.region_code BETWEEN sc.lo AND sc.hi)),
     'nodes', (SELECT coalesce(json_agg(json_build_object('id', w.id, 'name', w.name, 'certificateLevel', w.certificate_level) ORDER BY w.id), '[]')
               FROM (SELECT DISTINCT w.* FROM station_assignments a JOIN social_workers w ON w.id = a.social_worker_id
                    WHERE a.station_id = s.id AND a.deleted_at IS NULL AND w.deleted_at IS NULL
                      AND EXISTS (SELECT 1 FROM unnest($2, $3) AS sc(lo, hi) WHERE w.region_code BETWEEN sc.lo AND sc.hi)
                    ORDER BY w.id LIMIT $4) w)),
  'volunteerTeams', json_build_object(
     'totalCount', (SELECT count(*) FROM volunteer_teams t WHERE t.station_id = s.id AND t.deleted_at IS NULL
                      AND EXISTS (SELECT 1 FROM unnest($2, $3) AS sc(lo, hi) WHERE t.region_code BETWEEN sc.lo AND sc.hi)),
     'nodes', (SELECT coalesce(json_agg(json_build_object('id', t.id, 'name', t.name) ORDER BY t.id), '[]')
               FROM (SELECT * FROM volunteer_teams t WHERE t.station_id = s.id AND t.deleted_at IS NULL
                      AND EXISTS (SELECT 1 FROM unnest($2, $3) AS sc(lo, hi) WHERE t.region_code BETWEEN sc.lo AND sc.hi)
                     ORDER BY t.id LIMIT $4) t)),
  'projects', json_build_object(
     'totalCount', (SELECT count(*) FROM project_stations x JOIN projects p ON p.id = x.project_id
                    WHERE x.station_id = s.id AND x.deleted_at IS NULL AND p.deleted_at IS NULL
                      AND EXISTS (SELECT 1 FROM unnest($2, $3) AS sc(lo, hi) WHERE p.region_code BETWEEN sc.lo AND sc.hi)),
     'nodes', (SELECT coalesce(json_agg(json_build_object('id', p.id, 'name', p.name, 'status', p.status) ORDER BY p.id), '[]')
               FROM (SELECT p.* FROM project_stations x JOIN projects p ON p.id = x.project_id
                    WHERE x.station_id = s.id AND x.deleted_at IS NULL AND p.deleted_at IS NULL
                      AND EXISTS (SELECT 1 FROM unnest($2, $3) AS sc(lo, hi) WHERE p.region_code BETWEEN sc.lo AND sc.hi)
                    ORDER BY p.id LIMIT $4) p)),
  'clients', json_build_object(
     'totalCount', (SELECT count(*) FROM clients k WHERE k.station_id = s.id AND k.deleted_at IS NULL
                      AND EXISTS (SELECT 1 FROM unnest($2, $3) AS sc(lo, hi) WHERE k.region_code BETWEEN sc.lo AND sc.hi)),
     'nodes', (SELECT coalesce(json_agg(json_build_object('id', k.id, 'name', k.name) ORDER BY k.id), '[]')
               FROM (SELECT * FROM clients k WHERE k.station_id = s.id AND k.deleted_at IS NULL
                      AND EXISTS (SELECT 1 FROM unnest($2, $3) AS sc(lo, hi) WHERE k.region_code BETWEEN sc.lo AND sc.hi)
                     ORDER BY k.id LIMIT $4) k)),
  'serviceRecords', json_build_object(
     'totalCount', (SELECT count(*) FROM service_records v WHERE v.station_id = s.id AND v.deleted_at IS NULL
                      AND EXISTS (SELECT 1 FROM unnest($2, $3) AS sc(lo, hi) WHERE v.region_code BETWEEN sc.lo AND sc.hi)),
     'nodes', (SELECT coalesce(json_agg(json_build_object('id', v.id, 'servedOn', v.served_on, 'method', v.method, 'personTimes', v.person_times) ORDER BY v.id), '[]')
               FROM (SELECT * FROM service_records v WHERE v.station_id = s.id AND v.deleted_at IS NULL
                      AND EXISTS (SELECT 1 FROM unnest($2, $3) AS sc(lo, hi) WHERE v.region_code BETWEEN sc.lo AND sc.hi)
                     ORDER BY v.id LIMIT $4) v)),
  'charityResources', json_build_object(
     'totalCount', (SELECT count(*) FROM charity_resources g WHERE g.station_id = s.id AND g.deleted_at IS NULL
                      AND EXISTS (SELECT 1 FROM unnest($2, $3) AS sc(lo, hi) WHERE g.region_code BETWEEN sc.lo AND sc.hi)),
     'nodes', (SELECT coalesce(json_agg(json_build_object('id', g.id, 'kind', g.kind, 'value', g.value_fen) ORDER BY g.id), '[]')
               FROM (SELECT * FROM charity_resources g WHERE g.station_id = s.id AND g.deleted_at IS NULL
                      AND EXISTS (SELECT 1 FROM unnest($2, $3) AS sc(lo, hi) WHERE g.region_code BETWEEN sc.lo AND sc.hi)
                     ORDER BY g.id LIMIT $4) g))
) AS node
FROM stations s
WHERE s.id = $1 AND s.deleted_at IS NULL
  AND EXISTS (SELECT 1 FROM unnest($2, $3) AS sc(lo, hi) WHERE s.region_code BETWEEN sc.lo AND sc.hi);
