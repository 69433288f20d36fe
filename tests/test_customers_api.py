def test_smoke(admin_api):
    assert admin_api.get("customers").status_code == 200
